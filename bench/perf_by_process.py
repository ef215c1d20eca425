#!/usr/bin/env python3
"""Splits a `perf record -a -g` profile by process: each process's share of the CPU samples, then its
hottest functions, by self time (the frame that was running) and with callees (any frame on the stack).

    perf script -F pid,tid,comm,ip,sym,dso -i run.perf > run.script
    bench/perf_by_process.py run.script processes.txt [TOP]

processes.txt is `ps -eo pid,args` taken while the profile ran; it names each process.
"""
import collections
import re
import sys

HEADER = re.compile(r"^(?P<comm>.*?)\s+(?P<pid>\d+)/(?P<tid>\d+)\s*$")
FRAME = re.compile(r"^\s*[0-9a-f]+\s+(?P<sym>.*?)\s+\((?P<dso>.*)\)\s*$")


def read_samples(path):
    """Yields (pid, frames) per sample; frames run from the sampled frame outwards."""
    pid, frames = None, []
    with open(path, errors="replace") as script:
        for line in script:
            if not line.strip():
                if pid is not None:
                    yield pid, frames
                pid, frames = None, []
            elif line[0] not in " \t":
                header = HEADER.match(line.rstrip("\n"))
                pid, frames = (int(header["pid"]), []) if header else (None, [])
            elif pid is not None and (frame := FRAME.match(line)):
                frames.append(frame["sym"] if frame["sym"] != "[unknown]" else f"[{frame['dso'].rsplit('/', 1)[-1]}]")
    if pid is not None:
        yield pid, frames


def process_names(path):
    names = {}
    with open(path) as listing:
        for line in listing:
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[0].isdigit():
                names[int(parts[0])] = parts[1].strip()[:100]
    return names


def main():
    script, listing = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    names = process_names(listing)
    by_process = collections.defaultdict(list)
    for pid, frames in read_samples(script):
        by_process[pid].append(frames)
    total = sum(len(samples) for samples in by_process.values())
    ranked = sorted(by_process.items(), key=lambda item: -len(item[1]))
    print(f"{total} samples")
    for pid, samples in ranked:
        if len(samples) / total >= 0.005:
            print(f"{100 * len(samples) / total:5.1f}%  {pid:>7}  {names.get(pid, '?')}")
    for pid, samples in ranked:
        if len(samples) / total < 0.03:
            continue
        self_time = collections.Counter(frames[0] for frames in samples if frames)
        inclusive = collections.Counter(sym for frames in samples for sym in set(frames))
        print(f"\n== {pid} {names.get(pid, '?')}: {100 * len(samples) / total:.1f}% of all samples")
        print("-- self")
        for sym, count in self_time.most_common(top):
            print(f"{100 * count / len(samples):5.1f}%  {sym[:160]}")
        print("-- with callees")
        for sym, count in inclusive.most_common(top * 2):
            print(f"{100 * count / len(samples):5.1f}%  {sym[:160]}")


if __name__ == "__main__":
    main()
