"""A forked Sanic worker starts with SIGTERM's default action and SIGINT ignored; a single server keeps
whatever handlers it was given."""
import signal

from server.patches import sanic_worker_signals as patch


def test_only_forked_workers_reset_the_inherited_handlers(monkeypatch):
    seen = []
    monkeypatch.setattr(patch, "_original", lambda *a, **kw: seen.append(
        (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))))
    handler = lambda *_: None  # noqa: E731 - a stand-in for Sanic's forwarder
    before = signal.signal(signal.SIGTERM, handler), signal.signal(signal.SIGINT, handler)
    try:
        patch._serve(run_multiple=False)
        patch._serve(run_multiple=True)
    finally:
        signal.signal(signal.SIGTERM, before[0])
        signal.signal(signal.SIGINT, before[1])
    assert seen == [(handler, handler), (signal.SIG_DFL, signal.SIG_IGN)]


def test_installed_on_sanics_runner():
    from sanic.server import runners

    patch.install()
    try:
        assert runners.serve is patch._serve and patch._serve.__wrapped__ is patch._original
    finally:
        patch.PATCH.uninstall()
    assert runners.serve is patch._original
