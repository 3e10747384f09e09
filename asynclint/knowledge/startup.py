"""Start-up and shutdown code: where a blocking call runs once, before
anything is served or after serving ended (the AIO2 rules leave it alone
unless `blocking-at-startup = true`). Defaults of the `startup-functions`
and `startup-hooks` settings, from the triage of real applications
(benchmarks/triage/apps.md)."""

# Function names (shell-style patterns) of start-up code by convention:
# ASGI `lifespan` context managers; `Base.pattern` names methods of `Base`
# and of classes deriving from it: the `initialize()` and `init_*` steps and `start()`
# of a traitlets `Application`, which `launch_instance()` runs once, in
# that order (a serving loop inside `start()` is still checked: loops never
# count as start-up code). A bare `initialize`
# is not start-up code: redis' cluster `NodesManager.initialize()` runs
# again on every topology change.
STARTUP_FUNCTIONS = (
    "lifespan",
    "*_lifespan",
    "Application.initialize",
    "Application.init_*",
    "Application.start",
)

# Decorators and registration calls of framework start-up/shutdown hooks
# (last name): aiohttp `app.on_startup.append(f)` / `on_cleanup` /
# `on_shutdown`, Starlette/FastAPI `on_startup=[f]`, `lifespan=f` and
# `@app.on_event("startup")`, Quart `@app.before_serving` /
# `after_serving`, Sanic `@app.before_server_start` and friends, NiceGUI
# `app.on_startup(f)`.
STARTUP_HOOKS = (
    "on_startup",
    "on_shutdown",
    "on_cleanup",
    "lifespan",
    "before_serving",
    "after_serving",
    "before_server_start",
    "after_server_start",
    "before_server_stop",
    "after_server_stop",
)

# `@app.on_event(...)` / `app.add_event_handler(...)` with one of these
# event names.
STARTUP_EVENTS = frozenset({"startup", "shutdown"})
EVENT_HOOKS = frozenset({"on_event", "add_event_handler"})

# -- One-shot command-line programs (index/one_shot.py; the AIO2 rules leave
# their own work alone unless `blocking-in-commands = true`).

# Decorators (last name) that make a sync function a command-line command:
# click's `@click.command()`, `@cli.command()`, `@click.group()`, typer's
# `@app.command("run")`. An async function decorated so (a chat bot's
# `@bot.command()`) is a handler, not an entry point: only sync ones count.
COMMAND_DECORATORS = frozenset({"command", "group"})

# Calls (last name) by which a sync function parses its own command line.
COMMAND_LINE_PARSERS = frozenset({"parse_args", "parse_known_args"})

# Calls that make a program serve others on its loop: servers and listeners
# (`grpc.aio.server()`, `Server.start_serving()`), loops that run until
# stopped, framework and UI application runners (a dotted entry matches the
# call's dotted text, others its last name).
SERVING_CALLS = frozenset({
    "start_server", "start_unix_server", "create_server", "create_unix_server", "create_datagram_endpoint",
    "serve", "serve_forever", "start_serving", "run_forever", "run_app", "listen", "add_reader",
    "server", "wait_for_termination",
    "AppRunner", "TCPSite", "UnixSite", "SockSite",
    "start_polling", "run_polling", "run_webhook", "run_async",
    "uvicorn.run", "uvicorn.Server",
})

# Calls that start work beside the command's own sequential steps: a task
# or callback that others may be waiting on while a blocking call runs.
BESIDE_CALLS = frozenset({
    "create_task", "ensure_future", "start_soon", "call_soon", "call_later", "call_at",
    "run_coroutine_threadsafe", "add_done_callback",
})
