#!/usr/bin/env python3
"""Peak resident memory of `stegodetect scan` and `stegodetect serve` on hostile inputs.

Builds each hostile file in a temporary directory, runs the scanner on it in a fresh process
(peak RSS of that child from wait4) and posts it 8 times concurrently to a fresh `serve` (the
server's VmHWM afterwards), then prints a Markdown table (the README's reliability section).
No dependencies beyond Python 3.

    python3 scripts/hostile_rss.py [--bin target/release/stegodetect]
"""
import argparse
import os
import socket
import struct
import subprocess
import tempfile
import threading
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def zeros_z(n: int) -> bytes:
    c = zlib.compressobj(9)
    block = b"\0" * (1 << 20)
    out = [c.compress(block[: min(len(block), n - i)]) for i in range(0, n, len(block))]
    return b"".join(out) + c.flush()


def zero_png(w: int, h: int, colour: int, extra: bytes = b"") -> bytes:
    ch = {0: 1, 2: 3, 6: 4}[colour]
    ihdr = struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)
    idat = zeros_z((1 + w * ch) * h)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def iccp_bomb(mib: int) -> bytes:
    return chunk(b"iCCP", b"icc\0\0" + zeros_z(mib << 20))


def ztxt_bombs(count: int, mib: int) -> bytes:
    one = chunk(b"zTXt", b"Comment\0\0" + zeros_z(mib << 20))
    return one * count


def scan_peak(binary: str, path: str, extra=()) -> tuple:
    p = subprocess.Popen([binary, "scan", "--no-progress", "--format", "jsonl", *extra, path],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    verdict = "?"
    for line in out.splitlines():
        if '"error":' in line and '"error":null' not in line:
            verdict = "error " + line.split('"error_kind":"')[1].split('"')[0]
        elif '"is_stego":false' in line:
            verdict = "clean"
        elif '"is_stego":true' in line:
            verdict = "stego"
    return usage.ru_maxrss // 1024, verdict


def serve_peak(binary: str, body: bytes, clients: int = 8) -> tuple:
    env = dict(os.environ, STEGODETECT_API_TOKEN="rss-token")
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--scan-timeout-secs", "600"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    addr = p.stdout.readline().decode().strip().split("http://")[1]
    host, port = addr.rsplit(":", 1)
    codes = []

    def post() -> None:
        s = socket.create_connection((host, int(port)))
        s.sendall(b"POST /v1/scan HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer rss-token\r\n"
                  b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        codes.append(data.split(b" ")[1].decode() if data else "closed")

    threads = [threading.Thread(target=post) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(f"/proc/{p.pid}/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
    p.terminate()
    p.wait()
    return hwm // 1024, ",".join(sorted(set(codes)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/stegodetect"))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hostile-rss-")
    files = {
        "64x64 PNG, iCCP inflating to 900 MiB": zero_png(64, 64, 2, iccp_bomb(900)),
        "10000x10000 grey PNG, same iCCP": zero_png(10000, 10000, 0, iccp_bomb(900)),
        "64x64 PNG, 16 zTXt chunks of 100 MiB each": zero_png(64, 64, 2, ztxt_bombs(16, 100)),
        "10000x10000 all-zero RGBA PNG (within the pixel limit)": zero_png(10000, 10000, 6),
    }
    print("| input | file | `scan`: peak RSS, verdict | `serve`, 8 concurrent posts: peak RSS, statuses |")
    print("|---|---|---|---|")
    for name, data in files.items():
        path = os.path.join(tmp, "f.png")
        with open(path, "wb") as f:
            f.write(data)
        rss, verdict = scan_peak(a.bin, path)
        srss, codes = serve_peak(a.bin, data)
        print(f"| {name} | {len(data) / 1e6:.2f} MB | {rss} MiB, {verdict} | {srss} MiB, {codes} |")
    # special files: the size cap holds whatever the file reports
    rss, verdict = scan_peak(a.bin, "/dev/zero", ["--max-file-size", "1000000"])
    print(f"| /dev/zero, `--max-file-size 1000000` | endless | {rss} MiB, {verdict} | - |")
    fifo = os.path.join(tmp, "fifo.png")
    os.mkfifo(fifo)
    feeder = subprocess.Popen(["sh", "-c", f"head -c 300000000 /dev/zero > {fifo}"])
    rss, verdict = scan_peak(a.bin, fifo, ["--max-file-size", "1000000"])
    feeder.kill()
    feeder.wait()
    print(f"| FIFO fed 300 MB, `--max-file-size 1000000` | 300 MB | {rss} MiB, {verdict} | - |")


if __name__ == "__main__":
    main()
