#!/usr/bin/env bash
# Makes the Python venv that `bench/vq/compare.py` runs in: numpy plus the vector quantizers that
# kolm-vq is compared against (FAISS product quantization, the RaBitQ authors' library, turbovec),
# all at pinned versions from PyPI.
#
#   bash bench/vq/setup.sh                    # venv in /tmp/kolm-vq-venv
#   KOLM_VQ_VENV=DIR bash bench/vq/setup.sh   # venv in DIR
#
# numpy is required and stops the script if it fails. Each peer is installed on its own; one that
# fails to install is reported and skipped (compare.py then leaves it out). Run compare.py with the
# venv's python: "$KOLM_VQ_VENV/bin/python" bench/vq/compare.py --help
set -euo pipefail

venv=${KOLM_VQ_VENV:-/tmp/kolm-vq-venv}
python=${PYTHON:-python3}

required=numpy==2.4.6
peers=(
    faiss-cpu==1.15.1   # IndexPQ (the TurboQuant paper's PQ baseline) and IndexRaBitQ
    rabitqlib==0.7.1    # RaBitQ / extended RaBitQ, C++ library of its authors
    turbovec==1.1.2     # TurboQuant index in Rust with Python bindings
)

if [[ ! -x $venv/bin/python ]]; then
    "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)

"${pip[@]}" "$required"
installed=("$required")
failed=()
for peer in "${peers[@]}"; do
    # Pin numpy so that no peer's dependencies can move it.
    if "${pip[@]}" "$peer" "$required"; then
        installed+=("$peer")
    else
        failed+=("$peer")
    fi
done

echo "venv: $venv"
echo "installed: ${installed[*]}"
if (( ${#failed[@]} )); then
    echo "failed (left out of the comparison): ${failed[*]}"
fi
