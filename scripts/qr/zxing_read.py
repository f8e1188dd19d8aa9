#!/usr/bin/env python3
"""Reads a QR test set (scripts/qr-testset.sh) with zxing-cpp, the reference decoder.

Prints, one a line, the files whose QR code zxing-cpp reads with exactly the manifest's
payload; then, on stderr, how many of the frames with a code that is. Default reader options
of the PyPI package (try_rotate, try_downscale, try_invert, LocalAverage binarizer),
restricted to QR codes.

Usage: python zxing_read.py SET_DIR     (run by scripts/qr-testset.sh --zxing SET_DIR)
Exits non-zero when zxing-cpp or the set is missing, so a caller never counts an absent
reference as zero reads.
"""
import json
import os
import sys

import cv2
import zxingcpp


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: zxing_read.py SET_DIR")
    root = sys.argv[1]
    with open(os.path.join(root, "manifest.json")) as f:
        manifest = json.load(f)
    read = 0
    with_code = 0
    for entry in manifest:
        img = cv2.imread(os.path.join(root, entry["file"]), cv2.IMREAD_GRAYSCALE)
        if img is None:
            sys.exit(f"zxing_read: cannot load {entry['file']}")
        payload = entry["payload"]
        if payload is None:
            continue
        with_code += 1
        found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
        if any(code.text == payload for code in found):
            read += 1
            print(entry["file"])
    print(f"zxing-cpp: {read} of {with_code} codes read in {root}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
