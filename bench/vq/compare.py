#!/usr/bin/env python3
"""Compare kolm's vector quantizers with peer libraries on the same vectors.

Runs, on one machine, in one run, single-threaded, the nearest-neighbour protocol of the
TurboQuant paper (section 4.4; docs: /work/shared/research/turboquant-spec.md sections 7.4, 9):

* Vectors are unit length and the metric is the inner product. A data set whose vectors are not
  unit length (glove50) is L2-normalised (base and queries, float32), its exact inner-product
  top-100 is recomputed in float64 (full stable sort, ties to the lower id), and the normalised
  arrays and ground truth are written as .npy files into the work folder, so that kolm reads the
  same files.
* Every base vector is encoded at b bits per dimension (b = 2 and 4); the queries stay float32.
* Recall@1@k: the fraction of queries whose true nearest neighbour (ground truth column 0) is among
  the first k results, k = 1, 2, 4, ..., 64. Recall@10@10: mean overlap of the first 10 results with
  the true top 10, divided by 10.
* Encode seconds: everything from the float vectors to a searchable index (training included).
  Query milliseconds: all queries in one batch call with k = 64, median of 3 runs, divided by the
  number of queries. Bytes per vector: the serialised index size (fixed parts included) over n.

Peers (a peer that fails, for instance because its package is missing, becomes an error line in
the report and the others go on):

* FAISS IndexPQ(d, m, 8), inner product, m = d/4 at 2 bits and d/2 at 4 bits (the nearest divisor
  of d when d does not divide), trained on the base set itself, as in the paper.
* RaBitQ (rabitqlib, its authors' library): IvfIndex with a single cluster whose centroid is the
  base mean, nbits = b total bits per dimension (1 sign bit + b - 1 extra bits), exact code search
  (fast_quantization=False), nprobe = 1, the library's automatic FastScan precision. Its rotation
  is random per build (no seed parameter) and needs d >= 64, so smaller d is zero-padded to 64.
* turbovec: TurboQuantIndex at b bits, default settings (no TQ+ calibration; the library has no
  seed parameter, its rotation is fixed by the dimension). It needs d to be a multiple of 8, so
  other dimensions are zero-padded. Zero padding keeps every inner product and norm.

Recall depends on the random rotation a little (about +-0.01 at R@1@1 on 50,000 MiniLM
vectors), so tools whose rotation is random are measured --repeats times and their recall
averaged: RaBitQ (a new rotation per build, no seed) and kolm (seeds 42, 43, ...). FAISS PQ
(seeded k-means) and turbovec (a rotation fixed by the dimension) are deterministic: one build.

With --kolm PATH it also runs, for each b,
    PATH vq eval BASE.npy QUERIES.npy --gt GT.npy -b B --variant mse,mse-unbiased,prod
         --codebook pair --seeds REPEATS -T 1 --json
and, where the pair codebook applies (2 <= b < 3), the paper's scalar codebook for comparison
    PATH vq eval ... --variant mse-unbiased --codebook scalar ...
and the default variant with a calibration fitted to the base vectors (per seed, timed as part of
the encode)
    PATH vq eval ... --variant mse-unbiased --codebook pair --calibration fitted ...
and adds the rows they report. Writes PREFIX.json (everything, with the machine and package
versions) and PREFIX.md (one table per data set). Set up the peers with bench/vq/setup.sh and run
this file with that venv's python.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# One thread everywhere. These must be set before numpy, faiss, rabitqlib or turbovec start their
# thread pools, that is, before they are imported.
SINGLE_THREAD_ENV = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS")
}
os.environ.update(SINGLE_THREAD_ENV)

import numpy as np  # noqa: E402

RECALL_KS = (1, 2, 4, 8, 16, 32, 64)
SEARCH_K = 64
QUERY_RUNS = 3
GT_DEPTH = 100
UNIT_TOLERANCE = 1e-4
RABITQ_BLOCK = 64  # rabitqlib pads codes to a multiple of 64 dims and rejects d < 64
# (variants, codebook, calibration, widths it is run at): kolm's default pair codebook for every
# variant, the paper's scalar codebook where the two differ, and the default variant calibrated.
KOLM_RUNS = [("mse,mse-unbiased,prod", "pair", "none", lambda bits: True),
             ("mse-unbiased", "scalar", "none", lambda bits: 2 <= bits < 3),
             ("mse-unbiased", "pair", "fitted", lambda bits: True)]
PACKAGES = ("numpy", "faiss-cpu", "rabitqlib", "turbovec")


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# Data sets


@dataclass
class Dataset:
    name: str
    base: np.ndarray  # float32 [n, d], unit rows
    queries: np.ndarray  # float32 [nq, d], unit rows
    gt: np.ndarray  # int32 [nq, 100], exact inner-product top 100, best first
    files: dict  # the .npy files holding the three arrays: base, queries, gt
    notes: list = field(default_factory=list)


def save_npy(path, array):
    """Writes .npy format version 1.0, C order, so that kolm's reader sees the usual header."""
    with open(path, "wb") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(array), version=(1, 0))


def exact_ip_top(base, queries, depth, chunk=50):
    """Ids of the `depth` largest inner products per query, float64, stable (ties to lower id)."""
    base64 = base.astype(np.float64)
    top = np.empty((len(queries), depth), dtype=np.int32)
    for start in range(0, len(queries), chunk):
        scores = queries[start:start + chunk].astype(np.float64) @ base64.T
        top[start:start + chunk] = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
    return top


def unit_rows(x):
    norms = np.linalg.norm(x.astype(np.float64), axis=1, keepdims=True)
    return (x / norms).astype(np.float32)


def load_dataset(name, vectors_dir, work_dir):
    files = {
        "base": vectors_dir / f"{name}_base.npy",
        "queries": vectors_dir / f"{name}_queries.npy",
        "gt": vectors_dir / f"{name}_gt100_ip.npy",
    }
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        raise FileNotFoundError(f"data set {name}: missing {', '.join(missing)}")
    base = np.load(files["base"])
    queries = np.load(files["queries"])
    norms = np.linalg.norm(np.concatenate([base, queries]).astype(np.float64), axis=1)
    if np.abs(norms - 1).max() <= UNIT_TOLERANCE:
        return Dataset(name, base, queries, np.load(files["gt"]), files,
                       ["unit vectors and ground truth used as given"])

    log(f"{name}: vectors are not unit length; normalising and recomputing the ground truth")
    start = time.perf_counter()
    base, queries = unit_rows(base), unit_rows(queries)
    gt = exact_ip_top(base, queries, GT_DEPTH)
    work_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "base": work_dir / f"{name}_unit_base.npy",
        "queries": work_dir / f"{name}_unit_queries.npy",
        "gt": work_dir / f"{name}_unit_gt100_ip.npy",
    }
    for key, array in (("base", base), ("queries", queries), ("gt", gt)):
        save_npy(files[key], array)
    note = (f"raw norms {norms.min():.3f} to {norms.max():.3f}: base and queries L2-normalised "
            f"(float32), exact inner-product top {GT_DEPTH} recomputed in float64 "
            f"({time.perf_counter() - start:.1f} s)")
    return Dataset(name, base, queries, gt, files, [note])


# ------------------------------------------------------------------------------------------------
# Measurement


def recall_metrics(ids, gt):
    top1 = gt[:, :1]
    at_k = {str(k): float((ids[:, :k] == top1).any(axis=1).mean()) for k in RECALL_KS}
    overlap = (ids[:, :10, None] == gt[:, None, :10]).any(axis=2).sum(axis=1)
    return at_k, float(overlap.mean() / 10)


@dataclass
class Index:
    """A peer's index over the base vectors, as built by one of the peer functions below."""
    variant: str
    bits_per_dim: float  # bits of code per original dimension, per-vector scalars not counted
    encode_seconds: float
    index_bytes: int
    search: Callable  # (queries, k) -> ids [nq, k]
    config: dict


def evaluate(tool, build, ds, bits, builds):
    """One row: recall averaged over `builds` independent builds (for peers whose rotation is
    random per build), times the median over builds and query runs."""
    at_k_runs, r10_runs, encodes, times = [], [], [], []
    for _ in range(builds):
        index = build(ds, bits)
        encodes.append(index.encode_seconds)
        ids = None
        for _ in range(QUERY_RUNS):
            start = time.perf_counter()
            ids = index.search(ds.queries, SEARCH_K)
            times.append(time.perf_counter() - start)
        at_k, r10 = recall_metrics(np.asarray(ids, dtype=np.int64), ds.gt)
        at_k_runs.append(at_k)
        r10_runs.append(r10)
    return {
        "tool": tool,
        "variant": index.variant,
        "bits": bits,
        "bits_per_dim": index.bits_per_dim,
        "code_bytes_per_vector": index.index_bytes / len(ds.base),
        "index_bytes": index.index_bytes,
        "builds": builds,
        "recall_at_1_at_k": {k: statistics.fmean(run[k] for run in at_k_runs) for k in at_k_runs[0]},
        "recall_at_1_at_1_per_build": [run["1"] for run in at_k_runs],
        "recall_10_at_10": statistics.fmean(r10_runs),
        "encode_seconds": statistics.median(encodes),
        "query_ms_per_query": statistics.median(times) / len(ds.queries) * 1000,
        "query_seconds_runs": times,
        "config": index.config,
    }


# ------------------------------------------------------------------------------------------------
# Peers


def zero_pad(x, width):
    """x with zero columns appended up to `width` (inner products and norms unchanged)."""
    return np.pad(x, ((0, 0), (0, width - x.shape[1]))) if width > x.shape[1] else x


def pq_subquantizers(d, bits):
    """m with 8 bits per sub-code for `bits` bits per dimension: the divisor of d nearest to
    d * bits / 8 (d/4 at 2 bits, d/2 at 4 bits), the smaller one on a tie."""
    target = d * bits / 8
    return min((m for m in range(1, d + 1) if d % m == 0), key=lambda m: (abs(m - target), m))


def faiss_pq(ds, bits):
    import faiss

    faiss.omp_set_num_threads(1)
    n, d = ds.base.shape
    m = pq_subquantizers(d, bits)
    start = time.perf_counter()
    index = faiss.IndexPQ(d, m, 8, faiss.METRIC_INNER_PRODUCT)
    # Only silences FAISS's warning about fewer than 39 training points per centroid.
    index.pq.cp.min_points_per_centroid = 1
    index.train(ds.base)
    index.add(ds.base)
    encode = time.perf_counter() - start
    config = {
        "index": f"IndexPQ(d={d}, m={m}, nbits=8, METRIC_INNER_PRODUCT)",
        "training": f"k-means on the base set ({min(n, 256 * 256)} of {n} vectors: FAISS's "
                    "default sampling of at most 256 points per centroid; its default "
                    "k-means seed)",
        "code_size": index.code_size,
    }
    if d * bits % 8:
        config["note"] = (f"d={d} is not divisible for {bits} bits/dim with 8-bit sub-codes; "
                          f"m={m} (nearest divisor of d to {d * bits / 8:g}) gives "
                          f"{8 * m / d:g} bits/dim")
    return Index(
        variant=f"IndexPQ m={m}",
        bits_per_dim=8 * m / d,
        encode_seconds=encode,
        index_bytes=faiss.serialize_index(index).size,
        search=lambda queries, k: index.search(queries, k)[1],
        config=config,
    )


def rabitq(ds, bits):
    import rabitqlib

    n, d = ds.base.shape
    width = max(d, RABITQ_BLOCK)
    code_dims = -(-width // RABITQ_BLOCK) * RABITQ_BLOCK
    start = time.perf_counter()
    base = zero_pad(ds.base, width)
    centroid = base.mean(axis=0, dtype=np.float64).astype(np.float32)[None, :]
    index = rabitqlib.IvfIndex(dim=width, max_elements=n, num_clusters=1, nbits=bits,
                               metric="ip")
    index.build(base, centroid, np.zeros(n, dtype=np.uint32), num_threads=1,
                fast_quantization=False)
    encode = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rabitq.index"
        index.save(str(path))
        size = path.stat().st_size
    config = {
        "index": f"rabitqlib.IvfIndex(dim={width}, num_clusters=1, nbits={bits}, metric='ip')",
        "centroid": "mean of the base vectors (what one-cluster k-means gives)",
        "bits": f"{bits} total bits per dimension: 1 sign bit + {bits - 1} extra bits",
        "build": "fast_quantization=False (per-vector code search), num_threads=1",
        "seed": "none: the Python API takes no seed and draws a new random rotation per "
                "build, so recall moves a little from run to run",
        "search": "nprobe=1, high_accuracy=None (library picks: HACC at 4-9 bits, "
                  "standard FastScan at 1-3), num_threads=1",
    }
    if width != d:
        config["padding"] = (f"d={d} is below the {RABITQ_BLOCK} dimensions its Hadamard "
                             f"rotation needs: base and queries zero-padded to {width} (inner "
                             "products unchanged; the queries inside the timed call)")
    return Index(
        variant=f"IVF 1 cluster, 1+{bits - 1} bits" + (f" (padded to d={width})"
                                                       if width != d else ""),
        bits_per_dim=bits * code_dims / d,
        encode_seconds=encode,
        index_bytes=size,
        search=lambda queries, k: index.search(zero_pad(queries, width), k=k, nprobe=1,
                                               num_threads=1)[0],
        config=config,
    )


def turbovec(ds, bits, calibrated=False):
    import turbovec as tv

    d = ds.base.shape[1]
    width = -(-d // 8) * 8
    start = time.perf_counter()
    index = tv.TurboQuantIndex(dim=width, bit_width=bits)
    base = zero_pad(ds.base, width)
    if calibrated:
        # TQ+: a shift and a scale per coordinate fitted before adding, on the whole base (what
        # its documentation calls always safe).
        index.calibrate(base)
    index.add(base)
    index.prepare()
    encode = time.perf_counter() - start
    config = {
        "index": f"turbovec.TurboQuantIndex(dim={width}, bit_width={bits})",
        "calibration": index.calibration_state,
        "seed": "none: the library takes no seed (its rotation is fixed by the dimension)",
        "encode": ("calibrate(base), " if calibrated else "") + "add() then prepare() (builds the search layout)",
    }
    if width != d:
        config["padding"] = (f"d={d} is not a multiple of 8: base and queries zero-padded to "
                             f"{width} (inner products unchanged; the queries inside the "
                             "timed call)")
    return Index(
        variant="TurboQuantIndex" + (", TQ+ calibrated" if calibrated else "")
        + (f" (padded to d={width})" if width != d else ""),
        bits_per_dim=bits * width / d,
        encode_seconds=encode,
        index_bytes=len(index.to_bytes()),
        search=lambda queries, k: index.search(zero_pad(queries, width), k)[1],
        config=config,
    )


# (name, builder, whether its codes depend on a random draw made per build)
PEERS = (("FAISS PQ", faiss_pq, False), ("RaBitQ", rabitq, True), ("turbovec", turbovec, False),
         ("turbovec", lambda ds, bits: turbovec(ds, bits, calibrated=True), False))


# ------------------------------------------------------------------------------------------------
# kolm


def run_kolm(kolm, ds, bits, seeds):
    """Rows from the `kolm vq eval` runs of KOLM_RUNS at this width."""
    return [row for variants, codebook, calibration, applies in KOLM_RUNS if applies(bits)
            for row in run_kolm_eval(kolm, ds, bits, seeds, variants, codebook, calibration)]


def run_kolm_eval(kolm, ds, bits, seeds, variants, codebook, calibration):
    """Rows from one `kolm vq eval --json` (fields it leaves out show as "–"), or one error row."""
    command = [kolm, "vq", "eval", str(ds.files["base"]), str(ds.files["queries"]),
               "--gt", str(ds.files["gt"]), "-b", str(bits), "--variant", variants,
               "--codebook", codebook, "--calibration", calibration, "--seeds", str(seeds), "-T", "1",
               "--json"]
    log(" ".join(command))
    done = subprocess.run(command, capture_output=True, text=True)
    try:
        if done.returncode:
            raise RuntimeError(f"exit status {done.returncode}: {done.stderr.strip()[-2000:]}")
        report = json.loads(done.stdout)
    except (RuntimeError, json.JSONDecodeError) as error:
        return [{"tool": "kolm", "bits": bits, "command": command, "error": str(error)}]

    shape = (len(ds.base), ds.base.shape[1], len(ds.queries))
    reported = (report.get("n"), report.get("d"), report.get("queries"))
    rows = []
    for result in report.get("results", []):
        # Everything kolm reports is kept; its "bits" is the rate it reached at -b bits.
        row = {key: value for key, value in result.items() if key != "bits"}
        if "codebook" in result:
            row["variant"] = f"{result['variant']}, {result['codebook']} codebook" + (
                ", calibrated" if result.get("calibration") == "fitted" else "")
        row.update(tool="kolm", bits=bits, bits_per_dim=result.get("bits"), builds=report.get("seeds"),
                   command=command)
        if reported != shape:
            row["warning"] = f"kolm reports (n, d, queries) = {reported}, expected {shape}"
        rows.append(row)
    return rows


def kolm_version(kolm):
    try:
        done = subprocess.run([kolm, "--version"], capture_output=True, text=True, timeout=30)
    except OSError as error:
        return f"unknown ({error})"
    return done.stdout.strip() if done.returncode == 0 else "unknown"


# ------------------------------------------------------------------------------------------------
# Report


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def package_versions():
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def fmt(value, spec):
    return "–" if value is None else format(value, spec)


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def reference(rows, tool, bits, key):
    """The value of `key` in the row of `tool` at `bits` (the first one), or None."""
    return next((row.get(key) for row in rows if row["tool"] == tool and row["bits"] == bits
                 and "error" not in row), None)


def table(rows):
    ks = " | ".join(f"R@1@{k}" for k in RECALL_KS)
    lines = [
        f"| tool | variant | bits | bits/dim | bytes/vector | builds | {ks} | R@10@10 | encode s | "
        "encode speed-up vs FAISS PQ | query ms/query | query time vs turbovec |",
        "|---|---|---|---|---|---|" + "---|" * len(RECALL_KS) + "---|---|---|---|---|",
    ]
    for row in rows:
        if "error" in row:
            continue
        at_k = row.get("recall_at_1_at_k") or {}
        recalls = " | ".join(fmt(at_k.get(str(k)), ".3f") for k in RECALL_KS)
        encode_ref = reference(rows, "FAISS PQ", row["bits"], "encode_seconds")
        query_ref = reference(rows, "turbovec", row["bits"], "query_ms_per_query")
        lines.append(
            f"| {row['tool']} | {row.get('variant') or '–'} | {row['bits']} "
            f"| {fmt(row.get('bits_per_dim'), '.3g')} "
            f"| {fmt(row.get('code_bytes_per_vector'), '.1f')} | {row.get('builds') or '–'} "
            f"| {recalls} | {fmt(row.get('recall_10_at_10'), '.3f')} "
            f"| {fmt(row.get('encode_seconds'), '.3f')} "
            f"| {fmt(ratio(encode_ref, row.get('encode_seconds')), '.2f')} "
            f"| {fmt(row.get('query_ms_per_query'), '.3f')} "
            f"| {fmt(ratio(row.get('query_ms_per_query'), query_ref), '.2f')} |")
    return lines


PROTOCOL = """\
Protocol (the TurboQuant paper's nearest-neighbour experiment, section 4.4): all vectors are unit
length and the score is the inner product; sets that are not unit length are L2-normalised and their
exact top-100 recomputed in float64. Each tool encodes every base vector at b bits per dimension
(b = 2, 4) and answers every float32 query with its top 64. R@1@k is the fraction of queries whose
true nearest neighbour is among the first k answers; R@10@10 the mean share of the true top 10 among
the first 10 answers. RaBitQ (a random rotation per build) and kolm (seeds 42, 43, ...) are
averaged over several builds, as the row's "builds" says; FAISS PQ and turbovec are deterministic.
Everything runs on one thread, on the same machine, in the same run. Encode s:
from float vectors to a searchable index, training included. Query ms/query: all queries in one
batch call with k = 64, median of 3 runs, over the number of queries. Bytes/vector: index size over
n, including fixed parts such as codebooks (for kolm: as kolm reports it). Bits/dim: code bits per
original dimension, per-vector scalars not counted. Encode speed-up vs FAISS PQ = FAISS PQ encode
seconds / this row's (above 1: faster than FAISS PQ). Query time vs turbovec = this row's query time
/ turbovec's (below 1: faster than turbovec). Both compare rows with the same b. Where a library
cannot take the dimension as it is (d = 50), the peer configurations at the end say what was done
(zero padding, which keeps every inner product, or fewer PQ sub-quantizers); bits/dim shows the
resulting rate."""


def markdown(report):
    m = report["machine"]
    versions = ", ".join(f"{name} {version or 'not installed'}"
                         for name, version in report["packages"].items())
    lines = [
        "# kolm-vq and peer vector quantizers: recall and speed",
        "",
        PROTOCOL,
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['platform']}, Python {m['python']}; "
        f"run {m['date']}, {report['wall_seconds']:.0f} s in all.",
        f"Packages: {versions}." + (f" kolm: `{report['kolm']}` ({report['kolm_version']})."
                                    if report.get("kolm") else " kolm: not run (no --kolm)."),
    ]
    for ds in report["datasets"]:
        n, d = ds["base_shape"]
        lines += ["", f"## {ds['name']}: {n:,} base vectors, d = {d}, {ds['queries_shape'][0]:,} "
                      "queries", ""]
        lines += [f"- {note}" for note in ds["notes"]]
        lines += [f"- files: `{ds['files']['base']}`, `{ds['files']['queries']}`, "
                  f"`{ds['files']['gt']}`", ""]
        lines += table(ds["rows"])
        problems = [row for row in ds["rows"] if "error" in row or "warning" in row]
        if problems:
            lines.append("")
            lines += [f"- {row['tool']} at {row['bits']} bits: {row.get('error') or row['warning']}"
                      for row in problems]
    lines += ["", "## Peer configurations", ""]
    seen = set()
    for ds in report["datasets"]:
        for row in ds["rows"]:
            if row.get("config") and (row["tool"], row["bits"], ds["name"]) not in seen:
                seen.add((row["tool"], row["bits"], ds["name"]))
                details = "; ".join(f"{key}: {value}" for key, value in row["config"].items())
                lines.append(f"- {ds['name']}, {row['tool']}, {row['bits']} bits: {details}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Prints the module docstring as it is, and each option's default."""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--datasets", default="minilm384_wordnet_tiny,glove50",
                        help="comma-separated set names S, read as S_base.npy, S_queries.npy, "
                             "S_gt100_ip.npy from --vectors")
    parser.add_argument("--vectors", type=Path, default=Path("/work/shared/vectors"),
                        help="folder with the data sets (/tmp/vectors after build.sh --out "
                             "/tmp/vectors holds the 50k minilm384_wordnet set too)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kolm-vq-bench"),
                        help="folder for the normalised arrays and recomputed ground truth")
    parser.add_argument("--bits", default="2,4", help="comma-separated bits per dimension")
    parser.add_argument("--kolm", help="path to the kolm binary; adds `kolm vq eval` rows")
    parser.add_argument("--repeats", type=int, default=5,
                        help="builds averaged for tools whose rotation is random: RaBitQ "
                             "(a new draw per build) and kolm (seeds 42, 43, ...)")
    parser.add_argument("--out", default="vq-compare",
                        help="output prefix: writes PREFIX.json and PREFIX.md")
    return parser.parse_args()


def main():
    args = parse_args()
    bits_list = [int(b) for b in args.bits.split(",")]
    # Made now, so that a missing folder does not end a quarter-hour run at its last step.
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report = {
        "machine": machine(),
        "packages": package_versions(),
        "command": sys.argv,
        "protocol": PROTOCOL,
        "single_thread_env": SINGLE_THREAD_ENV,
        "kolm": args.kolm,
        "kolm_version": kolm_version(args.kolm) if args.kolm else None,
        "datasets": [],
    }
    for name in args.datasets.split(","):
        ds = load_dataset(name, args.vectors, args.work)
        log(f"{name}: base {ds.base.shape}, queries {ds.queries.shape}")
        rows = []
        for bits in bits_list:
            for tool, build, randomized in PEERS:
                log(f"{name}, {bits} bits: {tool}")
                try:
                    rows.append(evaluate(tool, build, ds, bits, args.repeats if randomized else 1))
                except Exception as error:  # a peer that fails must not stop the others
                    log(f"{tool} failed: {error!r}")
                    rows.append({"tool": tool, "bits": bits, "error": repr(error)})
            if args.kolm:
                rows += run_kolm(args.kolm, ds, bits, args.repeats)
        report["datasets"].append({
            "name": name,
            "base_shape": list(ds.base.shape),
            "queries_shape": list(ds.queries.shape),
            "files": {key: str(path) for key, path in ds.files.items()},
            "notes": ds.notes,
            "rows": rows,
        })
    report["wall_seconds"] = time.perf_counter() - started
    Path(f"{args.out}.json").write_text(json.dumps(report, indent=1) + "\n")
    Path(f"{args.out}.md").write_text(markdown(report))
    log(f"wrote {args.out}.json and {args.out}.md ({report['wall_seconds']:.0f} s)")


if __name__ == "__main__":
    main()
