#!/usr/bin/env bash
# A fourth held-out set of clean JPEGs (twelfth session), fresh for everything as it stands after
# the eleventh session's jsteg likelihood ratio (sets B and C were looked at while making it): the
# Debian packages of bookworm's Contents-all / Contents-amd64 index with at least 3 JPEG files that
# no script, doc or model card of this project names (nor a package of the same stem: foo-data vs
# foo-doc; gimp-help translations left out as near-copies of gimp-help-en), under 80 MB each, at
# most 300 originals per package, de-duplicated by SHA-256 against every JPEG on disk (sets A, B, C
# included), plus cjpeg / Pillow re-saves of the originals (scripts/jpeg_reencode.py). Pinned by
# scripts/pins/jpeg_heldout_d.sha256 once made. Measure on it once; never tune on it. Needs
# apt-get/dpkg, cjpeg/djpeg (libjpeg-turbo-progs) and .venv (Pillow).
#   bash scripts/jpeg_heldout_d.sh      # data/jpeg-heldout-d/{<package>,reencode}/, manifest.csv
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/jpeg-heldout-d
mkdir -p "$out"
command -v cjpeg >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjpeg-turbo-progs >/dev/null
pin=scripts/pins/jpeg_heldout_d.sha256
[ -f "$pin" ] || pin=""
EXCLUDE_DIRS="data/jpeg/clean data/jpeg/raw $(echo data/heldout*) data/corpus data/jpeg-heldout data/jpeg-heldout-b data/jpeg-heldout-c" \
  JPEG_HELDOUT_OUT="$out" PIN="${PIN-$pin}" CAP="${CAP:-300}" PKGS="${PKGS:-js-of-ocaml calf-plugins budgie-control-center-data virtuoso-vsp-startpage nagios4-cgi
  freedombox-doc-es libopenjpa-java flexc++ libtbb-doc libnunit-doc python-sasmodels-doc
  python3-traitsui db5.3-doc context-modules propaganda-debian assimp-testmodels libfox-1.6-doc
  projectm-data racket-common euslisp-dev expeyes ganglia-webfrontend pitivi cinnamon-common
  wesnoth-1.16-trow texlive-latex-extra blobwars-data libjxl-testdata cloudcompare dyssol-doc
  rasmol-doc renpy-doc openboard-common xymon gambas3-examples libjs-jquery-slides lp-solve-doc
  mricron-doc ceferino-data wesnoth-1.16-sota libgtkextra-3.0-doc qtdeclarative5-doc-html raintpl
  mate-user-admin anyremote-doc aplus-fsf-doc csmash-data gdk-pixbuf-tests crack-attack dart-doc
  garlic-doc libglm-doc libjs-jquery-ui-docs lirc-doc munipack-doc ntpsec-doc python-pygame-doc
  raster3d-doc libelementary-data njam-data gmerlin-data pidgin-themes scribus-template ponyprog
  raster3d collectl fonts-le-murmure gramps hackrf-doc libclfft-doc nut-doc ruby-rmagick-doc
  gnome-devel-docs shotwell-common qt5-quick-demos hpcc latte-dock jmagick6-docs
  libjs-jquery-backstretch libsbml5-doc golang-github-disintegration-imaging-dev gnumed-server
  qtdeclarative5-examples analog libxbae-dev kodi-screensaver-shadertoy afterstep-data freeplane
  libhtmlparser-java-doc libvlfeat-doc petsc3.18-doc postfixadmin python-ruffus-doc
  forensics-samples-files pipenightdreams-data ifetch-tools mrpt-common qtsensors5-doc-html
  wordpress-theme-twentytwentytwo scite herculesstudio wv mate-screensaver-common cbflib-doc
  erlang-doc mrpt-doc pymca-doc python-flask-peewee-doc texlive-metapost-doc pangzero
  wordpress-theme-twentytwentyone libopenzwave1.6 mgp postgresql-15-pgsphere avr-libc libsane-common
  lilypond-doc-html mgen-doc omegat gearhead2-data moon-lander-data neverputt-data wesnoth-1.16-httt
  python-kivy-examples lammps-examples lebiniou-data qtmultimedia5-doc-html lifeograph icingadb-web
  lemonldap-ng-doc libjs-jquery-colorbox luma.lcd-doc pd-extendedview python-sklearn-doc
  python-stevedore-doc python3-fltk-doc taglog texlive-latex-recommended-doc jsxgraph
  kodi-visualization-shadertoy-data qtwebengine5-examples cairo-dock-rendering-plug-in darknet
  node-opencv tvtime jag fonts-compagnon gxemul-doc libgudhi-doc libjs-spectre-docs libopenzwave-doc
  publican pyqt5-examples texlive-lang-portuguese texlive-xetex topparser crrcsim-data
  dossizola-data gav-themes lbreakouthd-data liblemonldap-ng-portal-perl qt3d5-doc-html shaarli
  starfighter-data tagua-data visp-images-data docbook-xsl-ns docbook-xsl wims-help
  cairo-dock-musicplayer-plug-in gigalomania linuxcnc-uspace focuswriter caja-common
  firmware-microbit-micropython-doc libopencsd-doc python-django-crispy-forms-doc
  python3-mutatormath shorewall-doc xnee-doc yorick-doc libjaxe-java jmeter-help ruby-prawn
  scribus-data darkcold-gtk-theme darkfire-gtk-theme libgraphicsmagick++1-dev lmarbles
  qml-module-lomiri-notifications sinfo dozzaqueux gnome-taquin octave-vlfeat r-cran-rmarkdown
  ardour-data clanlib-doc efl-doc fonts-karmilla libbiojava-java-doc libsbml5-cil-doc
  libsbml5-perl-doc libsdl-gfx1.2-doc libsixel-examples libtiff-doc lomiri-action-doc
  luma.led-matrix-doc luma.oled-doc oar-doc python-ezdxf-doc python-nipy-doc python-xraylarch-doc
  pikepdf-doc python3-sbml5-doc rsyslog-doc s5 evolution-common marsshooter-data renpy-demo
  renpy-thequestion wesnoth-1.16-did wesnoth-1.16-l gbrowse golang-gonum-v1-plot-dev parley-data
  kwstyle r-base-core librust-jpeg-decoder-dev kdoctools5 eclipse-titan lepton-eda libembperl-perl
  nescc tint2 zatacka kodi-visualization-fishbmc kodi-visualization-spectrum wdm transcalc
  zoneminder r-cran-aplpack r-cran-hwriter r-cran-pkgdown libpython3.11-testsuite omnidb-common
  sc3-plugins-language carmetal libcegui-mk2-data brickos-doc ckeditor dar-docs fastqtl-doc
  fltk1.1-doc fltk1.3-doc libball1.5-data libcommons-httpclient-java-doc libglyr-doc
  libjs-bootstrap5-doc libjs-cropper libqscintilla2-doc libvigraimpex-doc manila-doc netcdf-doc
  php-tcpdf python-bs4-doc python3-satpy texlive-lang-german xgridfit-doc yaws-doc zoneminder-doc
  fvwm-crystal wesnoth-1.16-tsg glmark2-data golang-github-jung-kurt-gofpdf-dev mapivi nagvis
  materia-kde plasma-workspace-data syrthes-gui darkblood-gtk-theme darkmint-gtk-theme twms
  r-cran-partykit pdl qtquickcontrols5-examples qtsvg5-examples qtwayland5-examples librsvg2-tests
  gtk-4-tests getdp libbobcat-dev libkokyu-dev pinpoint privoxy sdlbasic tiatracker flobopuyo
  gerbera gimp-plugin-registry kodi-pvr-waipu kodi-visualization-pictureit muse}" bash scripts/jpeg_heldout.sh
.venv/bin/python scripts/jpeg_reencode.py --target "${TARGET:-10000}" --out "$out/reencode" \
  "$out/manifest.csv"
