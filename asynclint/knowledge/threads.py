"""Threads and the asyncio APIs that are (not) safe to use from them.

Data only: the thread-context index (`asynclint.index.threads`) and the AIO3
rules read these tables. Names are dotted as `ctx.qualified_name()` spells
them; a method of a class is `"module.Class.method"` (matched when the
receiver's type is known from a constructor call or an annotation).
"""

# -- where code starts running off the event-loop thread --------------------

# Calls that run a callable argument in another thread (or, for signal
# handlers, between two bytecodes of the loop thread):
#   dotted callee -> (kind, positional index of the callable, keyword name)
# kind selects the wording of messages (see CONTEXT_WORDS).
THREAD_SPAWN_CALLS = {
    "threading.Thread": ("thread", 1, "target"),
    "threading.Timer": ("thread", 1, "function"),
    "_thread.start_new_thread": ("thread", 0, "function"),
    "_thread.start_new": ("thread", 0, "function"),
    "asyncio.to_thread": ("worker", 0, "func"),
    "asyncio.threads.to_thread": ("worker", 0, "func"),
    "anyio.to_thread.run_sync": ("worker", 0, "func"),
    "trio.to_thread.run_sync": ("worker", 0, "sync_fn"),
    "signal.signal": ("signal", 1, "handler"),
    "starlette.concurrency.run_in_threadpool": ("worker", 0, "func"),
    "fastapi.concurrency.run_in_threadpool": ("worker", 0, "func"),
    "asgiref.sync.sync_to_async": ("worker", 0, "func"),
    # executors, when the receiver's type is known
    "concurrent.futures.ThreadPoolExecutor.submit": ("worker", 0, "fn"),
    "concurrent.futures.ThreadPoolExecutor.map": ("worker", 0, "fn"),
    "concurrent.futures.thread.ThreadPoolExecutor.submit": ("worker", 0, "fn"),
    "concurrent.futures.thread.ThreadPoolExecutor.map": ("worker", 0, "fn"),
    "concurrent.futures.Executor.submit": ("worker", 0, "fn"),
    "concurrent.futures.Executor.map": ("worker", 0, "fn"),
    # Home Assistant's executor helpers (large real-world user of the pattern)
    "homeassistant.core.HomeAssistant.async_add_executor_job": ("worker", 0, "target"),
    "homeassistant.core.HomeAssistant.add_executor_job": ("worker", 0, "target"),
}

# Library doors: calls handing a callable to a library that calls it from a
# thread of its own (same shape as THREAD_SPAWN_CALLS; a position of None
# means keyword only; an optional fourth item names more keyword arguments
# that are callbacks too, and a list or tuple given for any of them counts
# element by element). Methods are matched when the receiver's type is known
# (`client = pubsub_v1.SubscriberClient()`, an annotation). Extend freely;
# for your own libraries use `thread-entry-points` in the configuration.
LIBRARY_THREAD_CALLS = {
    # multiprocessing's thread pool: the function runs in a worker thread,
    # `callback`/`error_callback` in the pool's result-handler thread
    "multiprocessing.pool.ThreadPool.apply_async": ("worker", 0, "func", ("callback", "error_callback")),
    "multiprocessing.pool.ThreadPool.map_async": ("worker", 0, "func", ("callback", "error_callback")),
    "multiprocessing.pool.ThreadPool.starmap_async": ("worker", 0, "func", ("callback", "error_callback")),
    "multiprocessing.pool.ThreadPool.apply": ("worker", 0, "func"),
    "multiprocessing.pool.ThreadPool.map": ("worker", 0, "func"),
    "multiprocessing.pool.ThreadPool.starmap": ("worker", 0, "func"),
    "multiprocessing.pool.ThreadPool.imap": ("worker", 0, "func"),
    "multiprocessing.pool.ThreadPool.imap_unordered": ("worker", 0, "func"),
    "multiprocessing.dummy.Pool.apply_async": ("worker", 0, "func", ("callback", "error_callback")),
    "multiprocessing.dummy.Pool.map_async": ("worker", 0, "func", ("callback", "error_callback")),
    "multiprocessing.dummy.Pool.apply": ("worker", 0, "func"),
    "multiprocessing.dummy.Pool.map": ("worker", 0, "func"),
    "multiprocessing.dummy.Pool.imap": ("worker", 0, "func"),
    "multiprocessing.dummy.Pool.imap_unordered": ("worker", 0, "func"),
    # process pools run the function in another process, but the callbacks
    # in the pool's result-handler thread of this one
    "multiprocessing.Pool.apply_async": ("worker", None, "callback", ("error_callback",)),
    "multiprocessing.Pool.map_async": ("worker", None, "callback", ("error_callback",)),
    "multiprocessing.Pool.starmap_async": ("worker", None, "callback", ("error_callback",)),
    "multiprocessing.pool.Pool.apply_async": ("worker", None, "callback", ("error_callback",)),
    "multiprocessing.pool.Pool.map_async": ("worker", None, "callback", ("error_callback",)),
    "multiprocessing.pool.Pool.starmap_async": ("worker", None, "callback", ("error_callback",)),
    # pynput listeners call back from their listener thread
    "pynput.keyboard.Listener": ("listener", 0, "on_press", ("on_release",)),
    "pynput.mouse.Listener": ("listener", 0, "on_move", ("on_click", "on_scroll")),
    # the `keyboard` and `mouse` packages run hooks in their listener thread
    "keyboard.add_hotkey": ("listener", 1, "callback"),
    "keyboard.on_press": ("listener", 0, "callback"),
    "keyboard.on_release": ("listener", 0, "callback"),
    "keyboard.on_press_key": ("listener", 1, "callback"),
    "keyboard.on_release_key": ("listener", 1, "callback"),
    "keyboard.hook": ("listener", 0, "callback"),
    "mouse.on_click": ("listener", 0, "callback"),
    "mouse.hook": ("listener", 0, "callback"),
    # zeroconf's (sync) ServiceBrowser calls handlers from its own thread
    "zeroconf.ServiceBrowser": ("zeroconf", None, "handlers"),
    "zeroconf._services.browser.ServiceBrowser": ("zeroconf", None, "handlers"),
    # Google Pub/Sub streaming pull: callbacks run in the subscriber's pool
    "google.cloud.pubsub_v1.SubscriberClient.subscribe": ("pubsub", 1, "callback"),
    "google.cloud.pubsub_v1.subscriber.client.Client.subscribe": ("pubsub", 1, "callback"),
    "google.cloud.pubsub.SubscriberClient.subscribe": ("pubsub", 1, "callback"),
    # audio streams: the callback runs in PortAudio's audio thread
    "sounddevice.Stream": ("audio", None, "callback"),
    "sounddevice.InputStream": ("audio", None, "callback"),
    "sounddevice.OutputStream": ("audio", None, "callback"),
    "sounddevice.RawStream": ("audio", None, "callback"),
    "sounddevice.RawInputStream": ("audio", None, "callback"),
    "sounddevice.RawOutputStream": ("audio", None, "callback"),
    "pyaudio.PyAudio.open": ("audio", None, "stream_callback"),
    # APScheduler: sync jobs run in the scheduler's thread pool (the
    # AsyncIOScheduler too: it hands them to the loop's default executor)
    "apscheduler.schedulers.background.BackgroundScheduler.add_job": ("scheduler", 0, "func"),
    "apscheduler.schedulers.blocking.BlockingScheduler.add_job": ("scheduler", 0, "func"),
    "apscheduler.schedulers.asyncio.AsyncIOScheduler.add_job": ("scheduler", 0, "func"),
    "apscheduler.schedulers.background.BackgroundScheduler.scheduled_job": ("scheduler-decorator", None, None),
    "apscheduler.schedulers.blocking.BlockingScheduler.scheduled_job": ("scheduler-decorator", None, None),
    "apscheduler.schedulers.asyncio.AsyncIOScheduler.scheduled_job": ("scheduler-decorator", None, None),
    # Qt thread pools
    "PyQt5.QtCore.QThreadPool.start": ("qt", 0, None),
    "PyQt6.QtCore.QThreadPool.start": ("qt", 0, None),
    "PySide2.QtCore.QThreadPool.start": ("qt", 0, None),
    "PySide6.QtCore.QThreadPool.start": ("qt", 0, None),
}

# Methods whose name alone says they run a callable in an executor thread,
# whatever the receiver: name -> (kind, positional index, keyword name).
EXECUTOR_METHOD_NAMES = {
    "async_add_executor_job": ("worker", 0, "target"),  # Home Assistant
    "async_add_import_executor_job": ("worker", 0, "target"),  # Home Assistant
}

# Where the spawning calls take the positional arguments for the callable,
# when that is a tuple rather than the rest of the call's arguments:
#   dotted callee -> (keyword, positional index) of the tuple
SPAWN_ARGS_TUPLE = {
    "threading.Thread": ("args", 3),
    "threading.Timer": ("args", 2),
    "_thread.start_new_thread": ("args", 1),
    "_thread.start_new": ("args", 1),
}

# Executor methods recognised on a receiver whose type is not known but whose
# name says it is an executor (`executor`, `self._executor`, `thread_pool`),
# or that is bound by `with ThreadPoolExecutor() as ex`.
EXECUTOR_METHODS = {"submit": 0, "map": 0}
EXECUTOR_CLASSES = frozenset({
    "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.thread.ThreadPoolExecutor",
})
# Process pools run the callable in another process: not a thread of ours.
PROCESS_EXECUTOR_CLASSES = frozenset({
    "concurrent.futures.ProcessPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor",
    "multiprocessing.Pool",
    "multiprocessing.pool.Pool",
})
EXECUTOR_NAME_HINTS = ("executor", "thread_pool", "threadpool")

# `loop.run_in_executor(executor, func, *args)`: positional index of func.
RUN_IN_EXECUTOR = ("run_in_executor", 1)

# Done-callbacks of a concurrent.futures future returned by `executor.submit`
# run in the worker thread (or at once in the caller when already done).
EXECUTOR_FUTURE_CALLBACK = "add_done_callback"

# Base classes whose methods the library calls from its own thread:
#   dotted base (fnmatch pattern) -> (kind, method name patterns (fnmatch))
# Only sync methods count (an `async def` override runs on a loop).
THREAD_BASE_METHODS = {
    "threading.Thread": ("thread", ("run",)),
    # a logging handler runs in whichever thread logs (executor jobs,
    # library threads), not only on the loop thread
    "logging.Handler": ("logging", ("emit", "handle", "flush")),
    "logging.StreamHandler": ("logging", ("emit", "handle", "flush")),
    "logging.FileHandler": ("logging", ("emit", "handle", "flush")),
    "logging.handlers.*Handler": ("logging", ("emit", "handle", "flush")),
    # gRPC servicers (generated `*_pb2_grpc.*Servicer` bases): sync methods
    # run in the server's thread pool
    "*_pb2_grpc.*Servicer": ("grpc", ("[!_]*",)),
    # Qt: QThread.run runs in the new thread, QRunnable.run in a pool thread
    "PyQt5.QtCore.QThread": ("qt", ("run",)),
    "PyQt6.QtCore.QThread": ("qt", ("run",)),
    "PySide2.QtCore.QThread": ("qt", ("run",)),
    "PySide6.QtCore.QThread": ("qt", ("run",)),
    "qtpy.QtCore.QThread": ("qt", ("run",)),
    "PyQt5.QtCore.QRunnable": ("qt", ("run",)),
    "PyQt6.QtCore.QRunnable": ("qt", ("run",)),
    "PySide2.QtCore.QRunnable": ("qt", ("run",)),
    "PySide6.QtCore.QRunnable": ("qt", ("run",)),
    "qtpy.QtCore.QRunnable": ("qt", ("run",)),
    # pyserial's ReaderThread calls its protocol from the reader thread
    "serial.threaded.Protocol": ("serial", ("connection_made", "data_received", "connection_lost")),
    "serial.threaded.LineReader": ("serial", ("connection_made", "data_received", "connection_lost",
                                              "handle_line", "handle_packet")),
    "serial.threaded.Packetizer": ("serial", ("connection_made", "data_received", "connection_lost",
                                              "handle_packet")),
    "serial.threaded.FramedPacket": ("serial", ("connection_made", "data_received", "connection_lost",
                                                "handle_packet", "handle_out_of_packet_data")),
    "watchdog.events.FileSystemEventHandler": ("watchdog", ("on_*", "dispatch")),
    "watchdog.events.PatternMatchingEventHandler": ("watchdog", ("on_*", "dispatch")),
    "watchdog.events.RegexMatchingEventHandler": ("watchdog", ("on_*", "dispatch")),
    "watchdog.events.LoggingEventHandler": ("watchdog", ("on_*", "dispatch")),
}

# socketserver: request handlers run in a new thread per request when the
# server mixes in ThreadingMixIn. Servers known to do so, and the mixin.
THREADING_SERVERS = frozenset({
    "socketserver.ThreadingTCPServer",
    "socketserver.ThreadingUDPServer",
    "socketserver.ThreadingUnixStreamServer",
    "socketserver.ThreadingUnixDatagramServer",
    "http.server.ThreadingHTTPServer",
})
THREADING_MIXINS = frozenset({"socketserver.ThreadingMixIn"})
SERVER_HANDLER_ARG = (1, "RequestHandlerClass")
HANDLER_METHODS = ("handle", "setup", "finish", "do_*")

# Callback attributes a library calls from its own network thread, once the
# thread is started (`client.loop_start()`):
#   dotted class -> (kind, attribute names, name of the call that starts the thread)
THREAD_CALLBACK_ATTRS = {
    "paho.mqtt.client.Client": ("mqtt", frozenset({
        "on_connect", "on_connect_fail", "on_disconnect", "on_message", "on_publish",
        "on_subscribe", "on_unsubscribe", "on_log", "on_socket_open", "on_socket_close",
        "on_pre_connect",
    }), "loop_start"),
}

# Methods of those clients that register a callback the same thread calls:
#   dotted method -> (kind, positional index, keyword, the starting call)
THREAD_CALLBACK_METHODS = {
    "paho.mqtt.client.Client.message_callback_add": ("mqtt", 1, "callback", "loop_start"),
}

# Qt's worker-object pattern: `worker.moveToThread(thread)` then
# `thread.started.connect(worker.run)`: the slot runs in the QThread (the
# object lives there). Without the move it would run on the object's thread.
QT_PACKAGES = ("PyQt5", "PyQt6", "PySide2", "PySide6", "qtpy")
QT_THREAD_STARTED_SIGNAL = "started"
QT_MOVE_TO_THREAD = "moveToThread"

# Evidence that a module drives such a client from the event loop itself
# (paho's asyncio example: `loop.add_reader(sock, client.loop_read)`, then
# `client.loop_misc()`): its callbacks run on the loop thread, whatever
# other modules start.
LOOP_DRIVEN_CLIENT_CALLS = frozenset({"loop_read", "loop_write", "loop_misc"})
LOOP_DRIVER_CALLS = frozenset({"add_reader", "add_writer"})

# How messages describe each kind of thread context: (what it runs in, verb).
CONTEXT_WORDS = {
    "thread": ("a thread", "started by"),
    "worker": ("a worker thread", "submitted by"),
    "signal": ("a signal handler (it interrupts the loop thread; prefer `loop.add_signal_handler`)", "installed by"),
    "watchdog": ("the watchdog observer thread", "scheduled by"),
    "handler": ("a socketserver request thread", "served by"),
    "mqtt": ("the paho-mqtt network thread", "set by"),
    "config": ("a thread", "per `thread-entry-points`:"),
    "pubsub": ("the Pub/Sub subscriber's callback thread", "subscribed by"),
    "audio": ("the audio stream's callback thread", "opened by"),
    "scheduler": ("the scheduler's worker thread", "scheduled by"),
    "scheduler-decorator": ("the scheduler's worker thread", "scheduled by"),
    "qt": ("a Qt worker thread", "started by"),
    "logging": ("whichever thread logs (a logging handler)", "installed by"),
    "grpc": ("the gRPC server's worker threads", "served by"),
    "decorator": ("a thread", "moved there by the decorator"),
    "listener": ("an input listener's thread", "registered by"),
    "zeroconf": ("the zeroconf browser thread", "browsed by"),
    "serial": ("the pyserial reader thread", "read by"),
    "queue": ("a thread", "queued by"),
    "branch": ("a thread other than the loop's", "per the test"),
}

# -- a thread that runs an event loop of its own ----------------------------
# A function calling one of these sets up (or runs) a loop for its own thread:
# the loop objects it then touches are its own, so the AIO3 rules keep quiet
# in it and in what it calls.
OWN_LOOP_CALLS = frozenset({
    "asyncio.new_event_loop",
    "asyncio.set_event_loop",
    "asyncio.run",
    "asyncio.Runner",
    "asyncio.runners.run",
    "asyncio.events.new_event_loop",
    "asyncio.events.set_event_loop",
    "uvloop.new_event_loop",
    "uvloop.run",
    "uvloop.install",
    "anyio.run",
    "trio.run",
})
OWN_LOOP_METHODS = frozenset({"run_forever"})

# Calls returning a loop that, inside the thread, is that thread's own (or
# fails): `loop = asyncio.new_event_loop()` in a thread is not "another
# thread's loop".
OWN_LOOP_FACTORIES = frozenset({
    "asyncio.new_event_loop",
    "asyncio.events.new_event_loop",
    "asyncio.get_event_loop",
    "asyncio.events.get_event_loop",
    "uvloop.new_event_loop",
})

# Factories of the loop that runs on the loop thread, when captured from the
# creating scope (module global, closure).
RUNNING_LOOP_FACTORIES = frozenset({
    "asyncio.get_running_loop",
    "asyncio.events.get_running_loop",
    "asyncio.get_event_loop",
    "asyncio.events.get_event_loop",
})

# -- AIO300: loop methods that are not thread-safe --------------------------
UNSAFE_LOOP_METHODS = frozenset({
    "call_soon", "call_later", "call_at", "create_task", "create_future",
    "stop", "close",
})
# Flagged only on a loop clearly running on the loop thread (see rule).
LOOP_RUN_METHODS = frozenset({"run_until_complete", "run_forever"})
# The thread-safe twin of a method, where one exists (call_later/call_at
# have none).
THREADSAFE_TWIN = {"call_soon": "call_soon_threadsafe"}
# Module functions that need a running loop in the current thread.
NEEDS_RUNNING_LOOP = frozenset({
    "asyncio.create_task",
    "asyncio.tasks.create_task",
    "asyncio.ensure_future",
    "asyncio.tasks.ensure_future",
    "asyncio.get_running_loop",
    "asyncio.events.get_running_loop",
})

# Thread-safe ways in (never flagged; what they are given runs on the loop).
THREADSAFE_CALLS = frozenset({
    "asyncio.run_coroutine_threadsafe",
    "asyncio.tasks.run_coroutine_threadsafe",
})
THREADSAFE_LOOP_METHODS = frozenset({"call_soon_threadsafe"})

# -- AIO301: asyncio futures and tasks --------------------------------------
FUTURE_CLASSES = frozenset({
    "asyncio.Future", "asyncio.futures.Future", "asyncio.Task", "asyncio.tasks.Task",
})
FUTURE_FACTORIES = frozenset({
    "asyncio.Future", "asyncio.futures.Future", "asyncio.Task", "asyncio.tasks.Task",
    "asyncio.create_task", "asyncio.tasks.create_task",
    "asyncio.ensure_future", "asyncio.tasks.ensure_future",
})
# Loop methods returning an asyncio future or task.
LOOP_FUTURE_METHODS = frozenset({"create_future", "create_task", "run_in_executor"})
UNSAFE_FUTURE_METHODS = frozenset({
    "set_result", "set_exception", "cancel", "add_done_callback", "remove_done_callback",
})

# -- AIO302: synchronisation primitives, queues, streams --------------------
# dotted class -> methods that are not thread-safe (the sync ones; the
# coroutine ones are AIO303's when run on another loop).
PRIMITIVE_METHODS = {
    "asyncio.Queue": frozenset({"put_nowait", "get_nowait", "task_done"}),
    "asyncio.LifoQueue": frozenset({"put_nowait", "get_nowait", "task_done"}),
    "asyncio.PriorityQueue": frozenset({"put_nowait", "get_nowait", "task_done"}),
    "asyncio.queues.Queue": frozenset({"put_nowait", "get_nowait", "task_done"}),
    "asyncio.Event": frozenset({"set", "clear"}),
    "asyncio.locks.Event": frozenset({"set", "clear"}),
    "asyncio.Condition": frozenset({"notify", "notify_all"}),
    "asyncio.locks.Condition": frozenset({"notify", "notify_all"}),
    "asyncio.Semaphore": frozenset({"release"}),
    "asyncio.BoundedSemaphore": frozenset({"release"}),
    "asyncio.locks.Semaphore": frozenset({"release"}),
    "asyncio.Lock": frozenset({"release"}),
    "asyncio.locks.Lock": frozenset({"release"}),
    "asyncio.StreamWriter": frozenset({"write", "writelines", "write_eof", "close"}),
    "asyncio.streams.StreamWriter": frozenset({"write", "writelines", "write_eof", "close"}),
    "asyncio.Transport": frozenset({"write", "writelines", "write_eof", "close", "abort"}),
    "asyncio.WriteTransport": frozenset({"write", "writelines", "write_eof", "close", "abort"}),
    "asyncio.DatagramTransport": frozenset({"sendto", "close", "abort"}),
    "asyncio.transports.Transport": frozenset({"write", "writelines", "write_eof", "close", "abort"}),
}

# Coroutine methods of asyncio objects bound to the loop that created them
# (AIO303: running them on another loop fails or hangs).
LOOP_BOUND_COROUTINE_METHODS = {
    "asyncio.Queue": frozenset({"put", "get", "join"}),
    "asyncio.LifoQueue": frozenset({"put", "get", "join"}),
    "asyncio.PriorityQueue": frozenset({"put", "get", "join"}),
    "asyncio.queues.Queue": frozenset({"put", "get", "join"}),
    "asyncio.Event": frozenset({"wait"}),
    "asyncio.locks.Event": frozenset({"wait"}),
    "asyncio.Condition": frozenset({"wait", "wait_for", "acquire"}),
    "asyncio.locks.Condition": frozenset({"wait", "wait_for", "acquire"}),
    "asyncio.Semaphore": frozenset({"acquire"}),
    "asyncio.BoundedSemaphore": frozenset({"acquire"}),
    "asyncio.locks.Semaphore": frozenset({"acquire"}),
    "asyncio.Lock": frozenset({"acquire"}),
    "asyncio.locks.Lock": frozenset({"acquire"}),
    "asyncio.StreamWriter": frozenset({"drain", "wait_closed"}),
    "asyncio.StreamReader": frozenset({"read", "readline", "readexactly", "readuntil"}),
}
# Functions that wrap an awaitable argument (AIO303 looks inside them).
AWAITABLE_WRAPPERS = frozenset({
    "asyncio.wait_for", "asyncio.shield", "asyncio.gather", "asyncio.wait",
    "asyncio.tasks.wait_for", "asyncio.tasks.shield", "asyncio.tasks.gather",
})
# Calls that run a coroutine on a new loop in the calling thread.
NEW_LOOP_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run"})


# Calls that tell threads apart: an `if` testing one of them guards both of
# its branches (one for the loop thread, one for the others).
THREAD_IDENTITY_CALLS = frozenset({
    "threading.get_ident",
    "threading.get_native_id",
    "threading.current_thread",
    "threading.main_thread",
    "threading.currentThread",
    "_thread.get_ident",
})

# Loop methods whose test also tells the cases apart: `if loop.is_running():
# loop.call_soon_threadsafe(...) else: ...` (the other arm runs while the
# loop is stopped, so nothing races with it).
LOOP_STATE_CHECKS = frozenset({"is_running"})

# Calls giving the loop running in the calling thread (None or an error in a
# thread without one): `if asyncio._get_running_loop() is not self.loop:`
# has its body off the loop thread.
RUNNING_LOOP_PROBES = frozenset({
    "asyncio.get_running_loop", "asyncio.events.get_running_loop",
    "asyncio._get_running_loop", "asyncio.events._get_running_loop",
})
# Calls naming the current thread (compared with the loop thread's identity).
CURRENT_THREAD_CALLS = frozenset({
    "threading.get_ident", "threading.get_native_id", "threading.current_thread",
    "threading.currentThread", "_thread.get_ident",
})
# The main thread, taken to run the loop when compared with the current one.
MAIN_THREAD_CALLS = frozenset({"threading.main_thread"})

# Thread-safe queues through which a loop hands asyncio objects to a thread
# (`work.put((fut, args))`, the thread does `fut, args = work.get()`): the
# object that comes out is the loop thread's.
THREAD_QUEUE_CLASSES = frozenset({
    "queue.Queue", "queue.SimpleQueue", "queue.LifoQueue", "queue.PriorityQueue",
})
THREAD_QUEUE_PUTS = frozenset({"put", "put_nowait"})
THREAD_QUEUE_GETS = frozenset({"get", "get_nowait"})

# Other carriers an asyncio object travels through to a thread, read there
# by the same identity: a dict (`pending[rid] = fut` on the loop, `fut =
# pending.pop(rid)` in the thread) and a `ContextVar` (`asyncio.to_thread`
# copies the context into the worker). Stores must all put the same kind of
# asyncio object for a read to count as one.
DICT_CLASSES = frozenset({
    "builtins.dict", "collections.defaultdict", "collections.OrderedDict",
    "typing.Dict", "typing.DefaultDict", "typing.OrderedDict", "typing.MutableMapping",
    "weakref.WeakValueDictionary",
})
DICT_READS = frozenset({"get", "pop"})
DICT_STORES = frozenset({"setdefault"})
CONTEXTVAR_CLASSES = frozenset({"contextvars.ContextVar"})
CONTEXTVAR_READS = frozenset({"get"})
CONTEXTVAR_STORES = frozenset({"set"})
