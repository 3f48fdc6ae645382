#!/bin/sh
# Regenerates docs/screenshots/{worklist,viewer}.png (README) in Debian's Chromium against a real
# server with the real DICOM samples from ${READFIRST_SHARED_DIR:-../shared}/data/dicom-samples.
set -eu
cd "$(dirname "$0")/.."
exec node --import tsx web/e2e/screenshots.ts
