"""Running a consumer: `ldptrain worker`, and the one `ldptrain serve` starts beside gunicorn.

`serve` starts the consumer as a child process (not a thread in gunicorn's master: the master
forks its workers, and a fork copies locks held by other threads). Exactly one per `serve`,
however many gunicorn workers there are; each of those only enqueues.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from flask import Flask

from .queue import queue_for

log = logging.getLogger("ldptrain.tasks")


def _exit_with_parent() -> None:
    """Stop gracefully (SIGINT, as Ctrl-C) when the process that started us is gone, so a
    killed `serve` leaves no orphan worker behind."""
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGINT)
            return


def run_consumer(app: Flask, threads: int, *, exit_with_parent: bool = False) -> None:
    queue = queue_for(app)
    if queue.kind == "immediate":
        raise RuntimeError("LDPTRAIN_QUEUE_URL=immediate runs each job where it is queued; "
                           "there is nothing for a worker to do")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Jobs are short: look at an idle SQLite queue at least every 2 s (Redis blocks instead).
    # Periodic: the daily prune of finished jobs and sent mail (queue.py).
    consumer = queue.huey.create_consumer(workers=threads, worker_type="thread",
                                          periodic=True, max_delay=2.0)
    if exit_with_parent:
        threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    log.info("worker: %s queue %s, %s thread(s)", queue.kind, queue.where, threads)
    consumer.run()


def start_embedded(instance: str, threads: int = 2) -> subprocess.Popen[bytes]:
    """The consumer `serve` runs beside gunicorn, as `ldptrain worker` in a child process."""
    command = [sys.executable, "-c", "from ldptrain.cli import main; main()",
               "--instance", instance, "worker", "--threads", str(threads),
               "--exit-with-parent"]
    return subprocess.Popen(command)


def stop_embedded(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # Huey's graceful stop: running jobs finish first
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
