# stegodetect — the two commands a newcomer needs: `make demo` and `make test`.
# Both install what they need first (the Rust toolchain is the only prerequisite).

CARGO ?= cargo
BIN   := target/release/stegodetect

.PHONY: setup build demo test bench bench-peers bench-python fuzz validate validate-heldout loadtest capi accuracy corpus heldout heldout2 heldout3 heldout4 heldout5 heldout6 heldout7 heldout8 bench-mix demo-images model fmt clean

# Rust toolchain check, then the project's Python environment (.venv): ONNX Runtime's shared
# library (loaded by the core through `ort`) and the onnx package for test models; system tools
# for the tests (Chromium, valgrind, C/C++ compilers, CMake, pkg-config).
setup:
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "cargo not found: install Rust with rustup (https://rustup.rs)"; exit 1; }
	@$(CARGO) --version
	@bash scripts/setup-python.sh
	@bash scripts/setup-system.sh

build: setup
	$(CARGO) build --release --workspace

# Scan the bundled examples: real clean images and stego made with `stegodetect embed`.
# The scan exits 1 when it finds stego, which is the expected outcome here.
demo: build
	bash scripts/test-python.sh --install-only
	$(BIN) scan examples/images || [ $$? -eq 1 ]
	.venv/bin/python -c "import stegodetect; r = stegodetect.Detector().scan('examples/images/stego-lsb.png'); print('python:', r, r.payload_text)"

# Every test: formatting, import layering and lints, unit, integration, CLI, C, a Rust program
# outside the repository, Python, and a short fuzz run of every fuzz target.
test: setup
	$(CARGO) fmt --all -- --check
	python3 scripts/import_cycles.py
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings
	$(CARGO) test --release --workspace
	bash tests/outside/rust-user.sh
	bash scripts/test-python.sh
	bash scripts/fuzz.sh 15

# The long fuzz run: every target for 10 minutes (about 70 minutes in all).
fuzz: setup
	bash scripts/fuzz.sh 600

# Production validation of the default model: labelled set = the Starlight sample, baseline =
# an eval of it made now, fresh stego from the test fixtures (`stegodetect validate --help`).
validate: build
	$(BIN) eval --dataset ../shared/data/starlight-sample --report-dir target/validate/baseline >/dev/null
	$(BIN) validate --dataset ../shared/data/starlight-sample --baseline target/validate/baseline/report.json \
		--fresh-covers tests/fixtures/clean --report-dir target/validate

# The same on held-out sources (make heldout heldout2 first): clean = data/heldout + data/heldout2,
# stego made from data/heldout covers, fresh stego from data/heldout2; report in models/.
validate-heldout: build
	.venv/bin/python scripts/heldout_manifest.py target/validate-heldout
	$(BIN) eval --manifest target/validate-heldout/manifest.csv --report-dir target/validate-heldout/baseline >/dev/null || true
	echo '{"regress": {"max_p95_ms": 1000}}' > target/validate-heldout/thresholds.json
	$(BIN) validate --manifest target/validate-heldout/manifest.csv \
		--baseline target/validate-heldout/baseline/report.json --fresh-covers data/heldout2 \
		--thresholds target/validate-heldout/thresholds.json --report-dir target/validate-heldout/report
	cp target/validate-heldout/report/report.md models/validation-heldout.md

# The C API alone (no Python, no CLI): build the C crate, refresh include/stegodetect.h from
# cbindgen's output, install into PREFIX (default dist/): headers, stripped libstegodetect.so.1
# with its .debug file, libstegodetect.a, pkg-config file and CMake package.
PREFIX ?= dist
capi:
	$(CARGO) build --release -p stegodetect-capi
	cp "$$(ls -t target/release/build/stegodetect-capi-*/out/stegodetect.h | head -1)" include/stegodetect.h
	bash scripts/install-capi.sh $(PREFIX)

# Load benchmark of `stegodetect serve` over loopback (10,000 requests, 32 clients) and the CLI's
# rate on the same images.
loadtest: build
	bash scripts/loadtest.sh 10000 32

# Scan time against decode-only time on the Starlight sample covers and the fixtures.
bench: build
	$(BIN) bench ../shared/data/starlight-sample/clean
	$(BIN) bench tests/fixtures/clean

# Scan against decode-only time per format and size class on a mixed set drawn from every clean
# set (scripts/bench_mix.sh; figures in docs/measured.md).
bench-mix: build corpus heldout heldout2 heldout3 heldout4 heldout5
	bash scripts/bench_mix.sh target/bench-mix 3

# stegodetect against sealwatch's WS / SPA / chi-square on the same 512x512 crops: per-image time
# on pixels and end to end, ROC AUC on conseal LSB replacement (scripts/bench_peers.py).
bench-peers: build heldout heldout2 heldout3 heldout4
	bash scripts/setup-peers.sh
	.venv-peers/bin/python scripts/bench_peers.py --covers 100 data/heldout data/heldout2 data/heldout3 data/heldout4

# The Python layer's cost against the core's, and import time (figures in the README).
bench-python: build
	bash scripts/test-python.sh --install-only
	.venv/bin/python bindings/python/bench/overhead.py

# Clean training-source images from Debian packages into data/corpus (git-ignored).
corpus:
	bash scripts/fetch-corpus.sh data/corpus

# Held-out photos and renders (never used for training or tuning) into data/heldout.
heldout:
	PKGS="ukui-wallpapers lomiri-wallpapers-20.04 plasma-workspace-wallpapers" bash scripts/fetch-corpus.sh data/heldout

# A second held-out set, kept for measuring only (docs/measured.md).
heldout2:
	PKGS="gnome-backgrounds lomiri-wallpapers sway-backgrounds mypaint-data-extras" bash scripts/fetch-corpus.sh data/heldout2

# Two more held-out sets (renders, game textures, astronomy images; docs/measured.md).
heldout3:
	PKGS="lomiri-wallpapers-16.04 debian-edu-artwork-emerald debian-edu-artwork-homeworld debian-edu-artwork-softwaves debian-edu-artwork-spacefun debian-edu-artwork-buster extremetuxracer-data hugin-data stellarium-data" bash scripts/fetch-corpus.sh data/heldout3

heldout4:
	PKGS="kstars-data marble-data freeorion-data gcompris-qt-data openuniverse-common" bash scripts/fetch-corpus.sh data/heldout4

# Fresh sources for the acceptance measurement of issue 14 (measured once, never trained or tuned
# on): icons, game art and sprites, documentation screenshots, maps, web application images.
heldout5:
	PKGS="mate-icon-theme tango-icon-theme gnome-icon-theme elementary-xfce-icon-theme faenza-icon-theme frozen-bubble-data xmoto-data lincity-ng-data teeworlds-data freecol boswars-data bzflag-data pinball-data lgeneral-data tecnoballz-data berusky-data powermanga-data minetest-data trigger-rally-data gnucash-docs grass-doc kicad-doc-en gnome-user-docs apache2-doc phpmyadmin cacti zabbix-frontend-php awstats" bash scripts/fetch-corpus.sh data/heldout5


# Fresh sources fetched 2026-12-06 (31 Debian packages none of the other sets use): the next
# acceptance measurement of false positives on images of every kind.
heldout6:
	PKGS="hedgewars-data deepin-icon-theme ri-li-data kdenlive-data krita-data inkscape-tutorials synfig-examples warzone2100-data pingus-data neverball-data numix-icon-theme moka-icon-theme paper-icon-theme suru-icon-theme crawl-tiles-data fillets-ng-data cataclysm-dda-data lbreakout2-data chromium-bsu-data mirrormagic-data dreamchess-data kobodeluxe-data holotz-castle-data solarwolf ltris tuxmath-data angband-data adwaita-icon-theme xscreensaver-data python3-matplotlib sugar-icon-theme" bash scripts/fetch-corpus.sh data/heldout6

# Fresh sources fetched 2026-12-06 (fifth session; 32 Debian packages none of the other sets or the
# pixel model's training use, 30 with images: icon themes, game art and sprites, documentation
# screenshots, maps, wallpapers, photos; six of them also gave JPEGs to scripts/jpeg_data.sh):
# measured once for issue 14's false-positive target (models/README.md).
heldout7:
	PKGS="yaru-theme-icon lxde-icon-theme gnome-colors-common breeze-icon-theme darktable freedroid-data tuxtype-data tuxfootball asc-data trackballs-data kmahjongg circuslinux-data endless-sky-data games-thumbnails xboard gnubg-data gimp-help-en octave-doc step digikam-data lxqt-themes fluxbox kodi-data plymouth-themes cinnamon-desktop-data xplanet-images openorienteering-mapper performous openscad pioneers-data python3-skimage wesnoth-1.16-data" bash scripts/fetch-corpus.sh data/heldout7

# Fresh sources fetched 2026-12-06 (sixth session; 40 Debian packages that no other set, no pixel
# or JPEG model's training data and no JPEG held-out set uses: icon and window-manager themes,
# game art and sprites, documentation screenshots of maths, music, CAD and photo programs):
# measured once for issue 14's false-positive target with model 8ee4aa09 (models/README.md).
heldout8:
	PKGS="papirus-icon-theme obsidian-icon-theme elementary-icon-theme arc-theme numix-gtk-theme breeze-gtk-theme blackbox-themes kde-style-oxygen-qt5 blobby-data btanks-data enigma-data lordsawar-data manaplus-data pokerth-data 7kaa-data crossfire-client-images xblast-tnt-images freeciv-client-extras kshisen kpat trophy-data wing-data armagetronad-common gnumeric-doc maxima-doc gnuplot-doc wxmaxima qtcreator-doc gwenview rawtherapee-data geeqie-common pencil2d fritzing-data librecad-data openscad-testing-data tuxguitar lmms-common hydrogen-data rosegarden ktuberling-data" bash scripts/fetch-corpus.sh data/heldout8

# Detection / extraction accuracy on stego made from the corpus, and false positives on it.
accuracy: build corpus
	$(CARGO) run --release --example accuracy -- --seeds ../shared/data/starlight-sample/seeds \
	    --per-dir 150 ../shared/data/starlight-sample/clean data/corpus/*
	$(BIN) scan --format jsonl data/corpus ../shared/data/starlight-sample/clean > data/clean-scan.jsonl || true

# Rebuild the default model from scratch: fetch the training sources, generate stego and hard
# negatives with `embed`, extract features with the CLI, train (fixed seeds) with held-out
# leave-one-source-out evaluation, export to ONNX, check Rust/ORT vs Python parity.
# Writes models/stegodetect-default.onnx, models/heldout-report.{md,json}, models/training.json.
model: build corpus
	bash scripts/setup-python.sh --train
	$(CARGO) run --release --example make_dataset -- --out data/dataset \
	    --seeds ../shared/data/starlight-sample/seeds --per-source 600 \
	    ../shared/data/starlight-sample/clean data/corpus/*/
	.venv/bin/python scripts/train_model.py --dataset data/dataset --work data/model --out models
	$(CARGO) build --release --workspace

demo-images: build
	bash examples/make-demo-images.sh

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
