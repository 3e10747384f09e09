"""Blocking APIs: one table per family (AIO200-AIO207), plus the light type
knowledge that turns `s = requests.Session(); s.get(url)` into the dotted
method name "requests.Session.get".

Names are dotted: module functions as `module.function`, methods as
`module.Class.method`. `module.Class.*` means "every method of the class"
(minus the names in `ANY_METHOD_EXCEPT`). Each table maps a name to the
async alternative shown in the message. Plain data: extend it here, or per
project with `extra-blocking-calls` / `allowed-blocking-calls`.
"""
from __future__ import annotations

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")


def _methods(cls: str, names, alt: str) -> dict:
    return {f"{cls}.{n}": alt for n in names}


# -- AIO200: sleeping -----------------------------------------------------------
SLEEP = {
    "time.sleep": "`await asyncio.sleep(...)`",
}

# -- AIO201: network clients ----------------------------------------------------
_HTTP = "an async client (`httpx.AsyncClient`, `aiohttp`) or `await asyncio.to_thread(...)`"
_NET = "asyncio streams / `loop.sock_*` methods or `await asyncio.to_thread(...)`"
_DNS = "`await loop.getaddrinfo(...)`"
NETWORK = {
    **{f"requests.{v}": _HTTP for v in _VERBS},
    **{f"requests.api.{v}": _HTTP for v in _VERBS},
    **_methods("requests.Session", (*_VERBS, "send"), _HTTP),
    "urllib.request.urlopen": _HTTP,
    "urllib.request.urlretrieve": _HTTP,
    "urllib.request.OpenerDirector.open": _HTTP,
    "urllib3.request": _HTTP,
    **_methods("urllib3.PoolManager", ("request", "urlopen", "request_encode_url", "request_encode_body"), _HTTP),
    **_methods("urllib3.HTTPConnectionPool", ("request", "urlopen"), _HTTP),
    **_methods("urllib3.HTTPSConnectionPool", ("request", "urlopen"), _HTTP),
    **{f"httpx.{v}": "`httpx.AsyncClient`" for v in (*_VERBS, "stream")},
    **_methods("httpx.Client", (*_VERBS, "send", "stream", "close"), "`httpx.AsyncClient`"),
    # httpx2, the maintained continuation of httpx: same API
    **{f"httpx2.{v}": "`httpx2.AsyncClient`" for v in (*_VERBS, "stream")},
    **_methods("httpx2.Client", (*_VERBS, "send", "stream", "close"), "`httpx2.AsyncClient`"),
    **_methods("http.client.HTTPConnection", ("request", "getresponse", "connect", "send", "endheaders"), _HTTP),
    **_methods("http.client.HTTPResponse", ("read", "readinto", "readline"), _HTTP),
    **_methods("ftplib.FTP", ("connect", "login", "retrbinary", "retrlines", "storbinary", "storlines", "cwd",
                              "nlst", "dir", "mlsd", "size", "delete", "rename", "mkd", "rmd", "quit", "sendcmd"),
               "`aioftp` or `await asyncio.to_thread(...)`"),
    **_methods("smtplib.SMTP", ("connect", "login", "sendmail", "send_message", "ehlo", "helo", "starttls",
                                "quit", "noop", "verify"), "`aiosmtplib` or `await asyncio.to_thread(...)`"),
    "xmlrpc.client.ServerProxy.*": "`await asyncio.to_thread(...)`",
    "socket.create_connection": "`await asyncio.open_connection(...)`",
    "socket.getaddrinfo": _DNS,
    "socket.gethostbyname": _DNS,
    "socket.gethostbyname_ex": _DNS,
    "socket.gethostbyaddr": "`await loop.getnameinfo(...)`",
    "socket.getnameinfo": "`await loop.getnameinfo(...)`",
    "socket.getfqdn": "`await asyncio.to_thread(socket.getfqdn, ...)`",
    # Downloads a model snapshot (or checks the hub for a newer one).
    "huggingface_hub.snapshot_download": "`await asyncio.to_thread(...)`",
    "huggingface_hub.hf_hub_download": "`await asyncio.to_thread(...)`",
    **_methods("socket.socket", ("connect", "recv", "recv_into", "recvfrom", "recvfrom_into", "send", "sendall",
                                 "sendto", "accept", "sendfile"), _NET),
}

# -- AIO202: subprocesses and process waits --------------------------------------
_PROC = "`await asyncio.create_subprocess_exec(...)`"
_WAIT = "`await proc.wait()` on an `asyncio.subprocess.Process`"
PROCESSES = {
    **{f"subprocess.{f}": _PROC for f in ("run", "call", "check_call", "check_output", "getoutput",
                                           "getstatusoutput")},
    "subprocess.Popen": _PROC,
    "subprocess.Popen.wait": _WAIT,
    "subprocess.Popen.communicate": "`await proc.communicate()` on an `asyncio.subprocess.Process`",
    "os.system": "`await asyncio.create_subprocess_shell(...)`",
    "os.popen": "`await asyncio.create_subprocess_shell(...)`",
    **{f"os.{f}": _WAIT for f in ("wait", "waitpid", "wait3", "wait4", "waitid")},
    # Starting a process (fork + exec) even without waiting for it: the
    # process object it gives cannot be awaited, so every later wait blocks.
    **{f"os.spawn{s}": _PROC for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")},
    "os.posix_spawn": _PROC,
    # pydub runs ffprobe/ffmpeg in a subprocess and waits for it.
    "pydub.utils.mediainfo": "`await asyncio.to_thread(...)`",
    "pydub.utils.mediainfo_json": "`await asyncio.to_thread(...)`",
    "os.posix_spawnp": _PROC,
}

# -- AIO203: files (reading and writing data, walking trees) -----------------------
_FILE = "`aiofiles` / `anyio.Path`, or `await asyncio.to_thread(...)`"
FILES = {
    "builtins.open": _FILE,
    "io.open": _FILE,
    "io.open_code": _FILE,
    "codecs.open": _FILE,
    "tempfile.TemporaryFile": _FILE,
    "tempfile.NamedTemporaryFile": _FILE,
    **_methods("pathlib.Path", ("open", "read_text", "read_bytes", "write_text", "write_bytes"), _FILE),
    **{f"shutil.{f}": _FILE for f in ("copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "rmtree",
                                      "make_archive", "unpack_archive")},
    **{f"os.{f}": _FILE for f in ("listdir", "scandir", "truncate")},
    # directory reads, like `os.listdir`; reported where iterated (LAZY_LISTINGS)
    **_methods("pathlib.Path", ("glob", "rglob", "iterdir", "walk"), _FILE),
    "json.load": _FILE,
    "json.dump": _FILE,
    "pickle.load": _FILE,
    "pickle.dump": _FILE,
    "marshal.load": _FILE,
    "marshal.dump": _FILE,
    **_methods("io.IOBase", ("read", "readline", "readlines", "write", "writelines", "flush", "truncate"), _FILE),
    **_methods("tarfile.TarFile", ("extractall", "extract", "add", "addfile", "extractfile"), _FILE),
    "os.fdopen": _FILE,
    # a default context reads the system's CA certificates from disk
    "ssl.create_default_context": "a context created once at start-up, or `await asyncio.to_thread(...)`",
    **_methods("ssl.SSLContext", ("load_verify_locations", "load_cert_chain", "load_default_certs"),
               "certificates loaded once at start-up, or `await asyncio.to_thread(...)`"),
    **_methods("zipfile.ZipFile", ("extractall", "extract", "read", "write", "writestr"), _FILE),
}

# Listings that may return a lazy iterator (a generator on Python 3.12):
# the directory is read where the result is iterated. Reported (and counted
# in a helper's chain) only when iterated in place: `for p in d.glob(...)`,
# a comprehension, `list(d.iterdir())`; `return d.iterdir()` hands the
# reading to whoever iterates.
LAZY_LISTINGS = frozenset({"pathlib.Path.glob", "pathlib.Path.rglob", "pathlib.Path.iterdir", "pathlib.Path.walk"})
# Builtins that iterate their argument at once.
CONSUMERS = frozenset({"list", "tuple", "set", "frozenset", "sorted", "next", "any", "all", "sum", "min", "max",
                       "dict"})
# Builtins that wrap an iterator lazily: consumed when they are.
LAZY_WRAPPERS = frozenset({"enumerate", "zip", "map", "filter", "reversed", "iter"})

# -- AIO210: cheap local file-system metadata (opt-in) -------------------------------
# One inode operation on a local path: microseconds, bounded. Reported only
# under the opt-in AIO210, and never enough to make a project helper
# "blocking" for AIO208 (see COST below).
FILE_METADATA = {
    **_methods("pathlib.Path", ("touch", "unlink", "mkdir", "rmdir", "rename", "replace", "stat", "exists",
                                "is_file", "is_dir", "is_symlink", "resolve", "samefile", "chmod", "owner",
                                "group", "readlink", "lstat", "hardlink_to", "symlink_to", "is_mount", "lchmod"),
               _FILE),
    **{f"shutil.{f}": _FILE for f in ("copymode", "copystat", "chown")},
    **{f"os.path.{f}": _FILE for f in ("exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize",
                                       "getmtime", "getatime", "getctime", "samefile", "sameopenfile",
                                       "samestat", "realpath")},
    **{f"os.{f}": _FILE for f in ("stat", "lstat", "remove", "unlink", "rename", "renames", "replace", "makedirs",
                                  "mkdir", "rmdir", "removedirs", "chmod", "chown", "utime", "readlink", "symlink",
                                  "link", "statvfs", "access")},
}

# -- AIO204: waiting on threads ---------------------------------------------------
_LOCK = "an `asyncio.Lock`/`asyncio.Event`, or `await asyncio.to_thread(...)`"
_FUT = "`await asyncio.wrap_future(fut)`"
THREAD_WAITS = {
    **{f"threading.{c}.acquire": _LOCK for c in ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition")},
    "threading.Event.wait": _LOCK,
    "threading.Condition.wait": _LOCK,
    "threading.Condition.wait_for": _LOCK,
    "threading.Barrier.wait": "`asyncio.Barrier`",
    "threading.Thread.join": "`await asyncio.to_thread(thread.join)`",
    **{f"queue.{c}.get": "an `asyncio.Queue`, or `get_nowait()`"
       for c in ("Queue", "LifoQueue", "PriorityQueue", "SimpleQueue")},
    **{f"queue.{c}.join": "an `asyncio.Queue`" for c in ("Queue", "LifoQueue", "PriorityQueue")},
    # Only futures handed out by `submit()`/`run_coroutine_threadsafe()`: a
    # `Future` built or annotated by hand is usually completed by a callback
    # the code awaits first (`add_done_callback(event.set)`).
    "concurrent.futures.SubmittedFuture.result": _FUT,
    "concurrent.futures.SubmittedFuture.exception": _FUT,
    "concurrent.futures.wait": "`await asyncio.wait(...)` on wrapped futures",
    "concurrent.futures.ThreadPoolExecutor.shutdown": "`await asyncio.to_thread(executor.shutdown)`",
    "concurrent.futures.ProcessPoolExecutor.shutdown": "`await asyncio.to_thread(executor.shutdown)`",
    "multiprocessing.Queue.get": "`await asyncio.to_thread(q.get)`",
    "multiprocessing.connection.Connection.recv": "`await asyncio.to_thread(conn.recv)`",
    "multiprocessing.connection.Connection.recv_bytes": "`await asyncio.to_thread(conn.recv_bytes)`",
    **_methods("multiprocessing.pool.Pool", ("map", "apply", "starmap", "join"), "`await loop.run_in_executor(...)`"),
    "multiprocessing.Process.join": "`await asyncio.to_thread(proc.join)`",
}

# -- AIO205: sync database, cache and cloud clients ---------------------------------
_SQL = "an async driver (`aiosqlite`, `asyncpg`, `psycopg.AsyncConnection`, `aiomysql`) or `await asyncio.to_thread(...)`"
_CONN = ("execute", "executemany", "executescript", "commit", "rollback", "backup")
_CUR = ("execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall", "callproc",
        "copy_from", "copy_to", "copy_expert", "copy")
DATABASES = {
    "sqlite3.connect": _SQL,
    **_methods("sqlite3.Connection", _CONN, _SQL),
    **_methods("sqlite3.Cursor", _CUR, _SQL),
    "psycopg2.connect": _SQL,
    **_methods("psycopg2.extensions.connection", _CONN, _SQL),
    **_methods("psycopg2.extensions.cursor", _CUR, _SQL),
    "psycopg.connect": _SQL,
    "psycopg.Connection.connect": _SQL,
    **_methods("psycopg.Connection", _CONN, _SQL),
    **_methods("psycopg.Cursor", _CUR, _SQL),
    "pymysql.connect": _SQL,
    **_methods("pymysql.connections.Connection", _CONN, _SQL),
    **_methods("pymysql.cursors.Cursor", _CUR, _SQL),
    "MySQLdb.connect": _SQL,
    **_methods("MySQLdb.connections.Connection", _CONN, _SQL),
    **_methods("MySQLdb.cursors.Cursor", _CUR, _SQL),
    "redis.Redis.*": "`redis.asyncio.Redis`",
    "redis.client.Pipeline.execute": "`redis.asyncio.Redis`",
    **_methods("pymongo.collection.Collection", (
        "find_one", "insert_one", "insert_many", "update_one", "update_many", "delete_one", "delete_many",
        "replace_one", "count_documents", "estimated_document_count", "aggregate", "bulk_write", "distinct",
        "find_one_and_update", "find_one_and_replace", "find_one_and_delete", "create_index", "drop",
    ), "`motor` / `pymongo.AsyncMongoClient`"),
    **_methods("pymongo.MongoClient", ("server_info", "list_database_names", "drop_database"),
               "`motor` / `pymongo.AsyncMongoClient`"),
    **_methods("pymongo.database.Database", ("command", "list_collection_names", "create_collection",
                                             "drop_collection"), "`motor` / `pymongo.AsyncMongoClient`"),
    "boto3.client.*": "`aioboto3` / `aiobotocore`, or `await asyncio.to_thread(...)`",
    "elasticsearch.Elasticsearch.*": "`elasticsearch.AsyncElasticsearch`",
    "elasticsearch.client.NamespacedClient.*": "`elasticsearch.AsyncElasticsearch`",
    "elasticsearch.helpers.bulk": "`elasticsearch.helpers.async_bulk`",
    # SQLAlchemy's sync ORM and Core (a FastAPI endpoint with `db: Session`).
    **_methods("sqlalchemy.orm.Session", ("execute", "scalar", "scalars", "commit", "rollback", "flush", "get",
                                          "refresh", "merge", "connection"),
               "`sqlalchemy.ext.asyncio.AsyncSession`, or a sync `def` endpoint"),
    **_methods("sqlalchemy.orm.Query", ("all", "first", "one", "one_or_none", "scalar", "count", "delete",
                                        "update", "get"),
               "`sqlalchemy.ext.asyncio.AsyncSession`, or a sync `def` endpoint"),
    **_methods("sqlalchemy.engine.Engine", ("connect", "begin"), "`sqlalchemy.ext.asyncio.create_async_engine`"),
    **_methods("sqlalchemy.engine.Connection", ("execute", "commit", "rollback", "scalar", "scalars"),
               "`sqlalchemy.ext.asyncio.AsyncConnection`"),
}

# -- AIO206: CPU-heavy calls ------------------------------------------------------
_CPU = "`await loop.run_in_executor(process_pool, ...)` (a `ProcessPoolExecutor`, or `InterpreterPoolExecutor` on 3.14+)"
CPU_HEAVY = {
    "hashlib.pbkdf2_hmac": _CPU,
    "hashlib.scrypt": _CPU,
    "bcrypt.hashpw": _CPU,
    "bcrypt.checkpw": _CPU,
    "bcrypt.kdf": _CPU,
    "bcrypt.gensalt": None,  # cheap: listed so it is never guessed
    "argon2.PasswordHasher.hash": _CPU,
    "argon2.PasswordHasher.verify": _CPU,
    "argon2.low_level.hash_secret": _CPU,
    "argon2.low_level.hash_secret_raw": _CPU,
    "passlib.context.CryptContext.hash": _CPU,
    "passlib.context.CryptContext.verify": _CPU,
    **{f"{m}.{f}": _CPU for m in ("zlib", "gzip", "bz2", "lzma") for f in ("compress", "decompress")},
    "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key": _CPU,
    "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key": _CPU,
}
CPU_HEAVY = {k: v for k, v in CPU_HEAVY.items() if v is not None}

# -- AIO207: reading the console ---------------------------------------------------
_STDIN = "`await asyncio.to_thread(...)` or a `StreamReader` connected to stdin"
CONSOLE = {
    "builtins.input": _STDIN,
    "sys.stdin.read": _STDIN,
    "sys.stdin.readline": _STDIN,
    "sys.stdin.readlines": _STDIN,
    "sys.stdin.buffer.read": _STDIN,
    "sys.stdin.buffer.readline": _STDIN,
    "getpass.getpass": _STDIN,
}

# code -> table
FAMILIES = {
    "AIO200": SLEEP,
    "AIO201": NETWORK,
    "AIO202": PROCESSES,
    "AIO203": FILES,
    "AIO204": THREAD_WAITS,
    "AIO205": DATABASES,
    "AIO206": CPU_HEAVY,
    "AIO207": CONSOLE,
    "AIO210": FILE_METADATA,
}

# How costly a family's calls are, for choosing which call a chain names
# (the costliest on it, AIO208) and whether a call makes a helper blocking
# at all (cost 0: never). Unbounded waits first, then data I/O.
COST = {
    "AIO200": 5,  # sleeping
    "AIO201": 5,  # network
    "AIO205": 5,  # database / cloud round trips
    "AIO207": 5,  # waiting for a human
    "AIO202": 4,  # subprocesses
    "AIO204": 4,  # thread / process waits
    "AIO206": 3,  # CPU-heavy
    "AIO203": 2,  # reading or writing file data
    "AIO208": 2,  # declared in `extra-blocking-calls`
    "AIO210": 0,  # cheap metadata: opt-in, never transitive
}

# Methods of a `Class.*` entry that do no I/O.
ANY_METHOD_EXCEPT = {
    "redis.Redis": frozenset({"pipeline", "pubsub", "lock", "register_script", "from_url", "from_pool",
                              "get_encoder", "get_connection_kwargs", "set_response_callback", "monitor",
                              "close", "__enter__", "__exit__"}),
    "boto3.client": frozenset({"get_paginator", "get_waiter", "can_paginate", "generate_presigned_url",
                               "generate_presigned_post", "close"}),
    "xmlrpc.client.ServerProxy": frozenset({"__call__", "__enter__", "__exit__"}),
    "elasticsearch.Elasticsearch": frozenset({"options", "close", "__enter__", "__exit__"}),
    "elasticsearch.client.NamespacedClient": frozenset({"options"}),
}

# Calls that do not block given these arguments: name -> list of
# (positional index or None, keyword, values that make the call non-blocking).
# A value "*" means "any value given at all" (a timeout bounds the wait but
# still blocks, so timeouts only count when literally 0).
NONBLOCKING_ARGS = {
    **{f"threading.{c}.acquire": [(0, "blocking", (False, 0)), (1, "timeout", (0,))]
       for c in ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition")},
    "threading.Event.wait": [(0, "timeout", (0,))],
    "threading.Condition.wait": [(0, "timeout", (0,))],
    "threading.Thread.join": [(0, "timeout", (0,))],
    **{f"queue.{c}.get": [(0, "block", (False, 0)), (1, "timeout", (0,))]
       for c in ("Queue", "LifoQueue", "PriorityQueue", "SimpleQueue")},
    "multiprocessing.Queue.get": [(0, "block", (False, 0)), (1, "timeout", (0,))],
    "concurrent.futures.SubmittedFuture.result": [(0, "timeout", (0,))],
    "concurrent.futures.SubmittedFuture.exception": [(0, "timeout", (0,))],
    "socket.getaddrinfo": [(5, "flags", ("AI_NUMERICHOST",))],
    "concurrent.futures.ThreadPoolExecutor.shutdown": [(0, "wait", (False, 0))],
    "concurrent.futures.ProcessPoolExecutor.shutdown": [(0, "wait", (False, 0))],
    "os.waitpid": [(1, "options", ("WNOHANG",))],
    "os.wait3": [(0, "options", ("WNOHANG",))],
    "os.wait4": [(1, "options", ("WNOHANG",))],
    "os.waitid": [(2, "options", ("WNOHANG",))],
}
# Method names worth checking arguments for in phase 1 (cheap pre-filter).
NONBLOCKING_ARG_ATTRS = frozenset(n.rsplit(".", 1)[1] for n in NONBLOCKING_ARGS)

# Queue reads that return at once under a test that the same queue holds an
# item (`while not q.empty(): q.get()`; `index.blocking.get_after_nonempty_test`).
GUARDED_GET_APIS = frozenset(f"queue.{c}.get" for c in ("Queue", "LifoQueue", "PriorityQueue", "SimpleQueue"))

# -- light types ---------------------------------------------------------------------
# Other spellings of the same class or function -> the canonical name above.
ALIASES = {
    "requests.sessions.Session": "requests.Session",
    "requests.session": "requests.Session",  # requests.session() returns a Session
    "requests.sessions.session": "requests.Session",
    "httpx._client.Client": "httpx.Client",
    "http.client.HTTPSConnection": "http.client.HTTPConnection",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "urllib3.ProxyManager": "urllib3.PoolManager",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3.HTTPSConnectionPool",
    "ftplib.FTP_TLS": "ftplib.FTP",
    "smtplib.SMTP_SSL": "smtplib.SMTP",
    "smtplib.LMTP": "smtplib.SMTP",
    "xmlrpc.client.Server": "xmlrpc.client.ServerProxy",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "pathlib.Path.cwd": "pathlib.Path",
    "pathlib.Path.home": "pathlib.Path",
    "threading._RLock": "threading.RLock",
    "threading._CRLock": "threading.RLock",
    "multiprocessing.queues.Queue": "multiprocessing.Queue",
    "multiprocessing.pool.ThreadPool": "multiprocessing.pool.Pool",
    "multiprocessing.Pool": "multiprocessing.pool.Pool",
    "concurrent.futures._base.Future": "concurrent.futures.Future",
    "concurrent.futures.thread.ThreadPoolExecutor": "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor": "concurrent.futures.ProcessPoolExecutor",
    "redis.StrictRedis": "redis.Redis",
    "redis.client.Redis": "redis.Redis",
    "redis.client.StrictRedis": "redis.Redis",
    "redis.cluster.RedisCluster": "redis.Redis",
    "redis.RedisCluster": "redis.Redis",
    "redis.sentinel.Sentinel.master_for": "redis.Redis",
    "pymongo.mongo_client.MongoClient": "pymongo.MongoClient",
    "pymongo.collection.Collection": "pymongo.collection.Collection",
    "pymongo.database.Database": "pymongo.database.Database",
    "psycopg2.extensions.connection": "psycopg2.extensions.connection",
    "sqlite3.dbapi2.Connection": "sqlite3.Connection",
    "boto3.session.Session.client": "boto3.client",
    "boto3.Session.client": "boto3.client",
    "elasticsearch.client.Elasticsearch": "elasticsearch.Elasticsearch",
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.query.Query": "sqlalchemy.orm.Query",
    "sqlalchemy.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.base.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.Connection": "sqlalchemy.engine.Connection",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.engine.Connection",
    "socket.SocketType": "socket.socket",
    "argon2.PasswordHasher": "argon2.PasswordHasher",
    "passlib.context.CryptContext": "passlib.context.CryptContext",
    "io.FileIO": "io.IOBase",
    # The buffered and text wrappers are what `open()` returns; in-memory
    # buffers are `BytesIO`/`StringIO`, not these, so they name real I/O
    # (a file, a pipe, a socket's `makefile()`).
    "io.BufferedReader": "io.IOBase",
    "io.BufferedWriter": "io.IOBase",
    "io.BufferedRandom": "io.IOBase",
    "io.BufferedRWPair": "io.IOBase",
    "io.TextIOWrapper": "io.IOBase",
    "_io.BufferedReader": "io.IOBase",
    "_io.BufferedWriter": "io.IOBase",
    "_io.BufferedRandom": "io.IOBase",
    "_io.TextIOWrapper": "io.IOBase",
    "httpx2._client.Client": "httpx2.Client",
    "urllib3.connectionpool.ConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.request.RequestMethods": "urllib3.PoolManager",
    "urllib3._request_methods.RequestMethods": "urllib3.PoolManager",
    "urllib3.poolmanager.ProxyManager": "urllib3.PoolManager",
}

# File-like annotations (and `isinstance` classes): in-memory buffers are
# annotated so as often as files (`BytesIO` is a `BufferedIOBase`). They name
# a file (`io.IOBase`) only for a function's own parameter, or a name an
# `isinstance` test narrows there: that function's author says "a file".
# Never for an attribute or a return value, whose holder may keep a buffer
# (starlette's `UploadFile.file`, written in memory behind a flag).
FILE_LIKE = frozenset({"typing.IO", "typing.BinaryIO", "typing.TextIO", "typing_extensions.IO",
                       "io.RawIOBase", "io.BufferedIOBase", "io.TextIOBase"})

# What a call returns when it is not a class being instantiated:
# callable (canonical) -> class (canonical).
RETURNS = {
    "builtins.open": "io.IOBase",
    "io.open": "io.IOBase",
    "codecs.open": "io.IOBase",
    "pathlib.Path.open": "io.IOBase",
    "gzip.open": "io.IOBase",
    "bz2.open": "io.IOBase",
    "lzma.open": "io.IOBase",
    "tempfile.TemporaryFile": "io.IOBase",
    "tempfile.NamedTemporaryFile": "io.IOBase",
    "os.fdopen": "io.IOBase",
    "ssl.create_default_context": "ssl.SSLContext",
    "tarfile.open": "tarfile.TarFile",
    **{f"pathlib.Path.{m}": "pathlib.Path" for m in ("absolute", "resolve", "expanduser", "with_name", "with_suffix",
                                                    "with_stem", "joinpath", "relative_to", "__truediv__")},
    "urllib.request.build_opener": "urllib.request.OpenerDirector",
    "urllib3.PoolManager.connection_from_url": "urllib3.HTTPConnectionPool",
    "urllib3.connection_from_url": "urllib3.HTTPConnectionPool",
    "http.client.HTTPConnection.getresponse": "http.client.HTTPResponse",
    "socket.create_connection": "socket.socket",
    "socket.create_server": "socket.socket",
    "socket.fromfd": "socket.socket",
    "socket.socket.dup": "socket.socket",
    "subprocess.Popen": "subprocess.Popen",
    "sqlite3.connect": "sqlite3.Connection",
    "sqlite3.Connection.cursor": "sqlite3.Cursor",
    "sqlite3.Connection.execute": "sqlite3.Cursor",
    "psycopg2.connect": "psycopg2.extensions.connection",
    "psycopg2.extensions.connection.cursor": "psycopg2.extensions.cursor",
    "psycopg.connect": "psycopg.Connection",
    "psycopg.Connection.connect": "psycopg.Connection",
    "psycopg.Connection.cursor": "psycopg.Cursor",
    "psycopg.Connection.execute": "psycopg.Cursor",
    "pymysql.connect": "pymysql.connections.Connection",
    "pymysql.Connect": "pymysql.connections.Connection",
    "pymysql.connections.Connection.cursor": "pymysql.cursors.Cursor",
    "MySQLdb.connect": "MySQLdb.connections.Connection",
    "MySQLdb.connections.Connection.cursor": "MySQLdb.cursors.Cursor",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "redis.Redis.pipeline": "redis.client.Pipeline",
    "pymongo.MongoClient.get_database": "pymongo.database.Database",
    "pymongo.MongoClient.get_default_database": "pymongo.database.Database",
    "pymongo.database.Database.get_collection": "pymongo.collection.Collection",
    "boto3.client": "boto3.client",
    "boto3.session.Session.client": "boto3.client",
    "asyncio.run_coroutine_threadsafe": "concurrent.futures.SubmittedFuture",
    "asyncio.tasks.run_coroutine_threadsafe": "concurrent.futures.SubmittedFuture",
    "concurrent.futures.ThreadPoolExecutor.submit": "concurrent.futures.SubmittedFuture",
    "concurrent.futures.ProcessPoolExecutor.submit": "concurrent.futures.SubmittedFuture",
    "concurrent.futures.Executor.submit": "concurrent.futures.SubmittedFuture",
    "multiprocessing.Pool": "multiprocessing.pool.Pool",
    "multiprocessing.pool.Pool": "multiprocessing.pool.Pool",
    "zipfile.ZipFile": "zipfile.ZipFile",
    "tarfile.TarFile.open": "tarfile.TarFile",
    "argon2.PasswordHasher": "argon2.PasswordHasher",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.create_engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.engine.Engine.connect": "sqlalchemy.engine.Connection",
    "sqlalchemy.engine.Engine.begin": "sqlalchemy.engine.Connection",
    "sqlalchemy.orm.Session.query": "sqlalchemy.orm.Query",
    **{f"sqlalchemy.orm.Query.{m}": "sqlalchemy.orm.Query"
       for m in ("filter", "filter_by", "order_by", "join", "outerjoin", "limit", "offset", "options", "group_by",
                 "having", "distinct", "where", "with_entities")},
}

# Attribute access (not a method call) on an instance: the attribute's class.
# `client.mydb.users` -> Database -> Collection.
ATTRIBUTE_TYPES = {
    "pymongo.MongoClient": "pymongo.database.Database",
    "pymongo.database.Database": "pymongo.collection.Collection",
    "elasticsearch.Elasticsearch": "elasticsearch.client.NamespacedClient",
    "sys.stdin": None,
}
ATTRIBUTE_TYPES = {k: v for k, v in ATTRIBUTE_TYPES.items() if v is not None}
# One named attribute of an instance: `Class.attr` -> the attribute's class
# (`Path(__file__).parent / "static"` is a `Path`).
NAMED_ATTRIBUTE_TYPES = {
    "pathlib.Path.parent": "pathlib.Path",
}

# Network logging handlers (AIO209). SysLogHandler only with a TCP socket.
BLOCKING_LOG_HANDLERS = frozenset({
    "logging.handlers.SMTPHandler",
    "logging.handlers.HTTPHandler",
    "logging.handlers.SocketHandler",
})
SYSLOG_HANDLER = "logging.handlers.SysLogHandler"

# Calls that hand a callable to another thread/process: a function passed to
# them is not called on the loop.
OFFLOADERS = frozenset({
    "asyncio.to_thread",
    "anyio.to_thread.run_sync",
    "trio.to_thread.run_sync",
    "starlette.concurrency.run_in_threadpool",
    "asgiref.sync.sync_to_async",
})

# Calls that start running an event loop (AIO209's "asyncio program").
LOOP_RUNNERS = frozenset({
    "asyncio.run", "asyncio.runners.run", "uvicorn.run", "anyio.run", "trio.run", "aiohttp.web.run_app",
})

# Decorators that leave a sync function's body running at call time.
TRANSPARENT_DECORATORS = frozenset({
    "builtins.staticmethod", "builtins.classmethod", "functools.lru_cache", "functools.cache",
    "functools.wraps", "typing.final", "typing.override", "typing_extensions.override",
    "typing_extensions.final", "abc.abstractmethod",
})

# Decorators that keep a function's result: on a function that takes no
# argument, its body runs once (index/once.py). `cached_property` is not
# here: reading a property is not a call the index follows.
MEMOISING_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})
