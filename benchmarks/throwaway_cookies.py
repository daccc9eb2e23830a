"""Issue 26's throwaway-cookie attack, against the real pool with real workers.

    python benchmarks/throwaway_cookies.py             # the default server's pool and turns
    python benchmarks/throwaway_cookies.py --turn 30   # shorter turns, for a quick look

One run of the lesson's defaults is timed first, as a server's first runs set its pace.
Then seven learner ids from one client address (seven fresh browsers of one person) each
queue ?epochs=50&train_images=60000&batch_size=8, and once the first of them trains, an
eighth learner, from another address, queues the lesson's defaults. Printed: where that
learner is in the queue, the wait the page shows (fitlab.pool.seconds_to_wait) and the real
wait until the run trains, and how far apart they are. Each figure is what a page shows, read
through the pool's own methods; nothing is mocked. The big runs are stopped at the end.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from fitlab import pool as pool_module
from fitlab.pool import WorkerPool
from fitlab.settings import Settings

BIG = Settings(epochs=50, train_images=60000, batch_size=8)
DEFAULTS = Settings()
IDENTITIES = 7


def wait_for(condition, seconds: float = 1800) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turn", type=float, default=pool_module.TURN_SECONDS,
                        help="seconds of a turn (default: the server's, %(default)s)")
    parser.add_argument("--workers", type=int, default=None,
                        help="trainers (default: the server's default for this machine)")
    options = parser.parse_args()
    pool_module.TURN_SECONDS = options.turn
    pool = WorkerPool(workers=options.workers, max_run_seconds=20 * 60)
    try:
        print(f"trainers: {pool.size}; turn: {options.turn:g} s; run time limit: 20 min")
        warm = pool.submit(DEFAULTS, owner="f" * 32, client="10.0.0.1")
        wait_for(lambda: not warm.history.active)
        print(f"the lesson's defaults, timed first: {warm.history.elapsed():.1f} s "
              f"({warm.history.state})")
        attack = [pool.submit(BIG, owner=f"{number:032x}", client="10.0.0.66")
                  for number in range(1, IDENTITIES + 1)]
        wait_for(lambda: attack[0].history.state == "running")
        wait_for(lambda: len(attack[0].history.epochs) >= 1)
        epoch = attack[0].history.epochs[0]["seconds"]
        print(f"the big run trains {attack[0].history.info['train_images']:,} images an "
              f"epoch, {epoch:.1f} s an epoch here")
        learner = pool.submit(DEFAULTS, owner="a" * 32, client="10.0.0.7")
        asked = time.monotonic()
        position, shown = pool.queue_position(learner), pool.seconds_to_wait(learner)
        timed = pool.runs_timed_like(learner)
        print(f"the learner with the defaults: number {position} in the queue, "
              f"shown about {shown:.0f} s to wait (from {timed} run(s) like it)")
        wait_for(lambda: learner.history.state != "queued")
        real = time.monotonic() - asked
        print(f"real wait until it trains: {real:.1f} s; the shown wait is "
              f"{100 * (shown - real) / real:+.0f} % of it")
        yielded = attack[0].snapshot()
        print(f"the big run gave its trainer back after {len(yielded.epochs)} epochs "
              f"({yielded.state}), to resume later")
        wait_for(lambda: not learner.history.active)
        print(f"the learner's run: {learner.history.state} in "
              f"{learner.history.elapsed():.1f} s; the big run resumes: "
              f"{'yes' if attack[0].history.active else 'no'}")
        verdict = "within" if real <= 180 and abs(shown - real) <= 0.3 * real else "NOT within"
        print(f"{verdict} the issue's bounds (trains within 180 s, shown within 30 %)")
    finally:
        pool.close()  # stops the big runs, waiting or training


if __name__ == "__main__":
    main()
