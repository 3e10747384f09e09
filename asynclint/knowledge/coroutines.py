"""Which callables outside the project return coroutines (data, not code).

The standard library part is generated from typeshed (`stdlib_async.py`,
see scripts/gen_stdlib_async.py). The third-party part is a small hand-kept
table for the most used async libraries, used when their source is not part
of the checked project. The functions at the bottom are the only API rules
and the index use: they answer True (returns a coroutine), False (known not
to) or None (unknown: say nothing).
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Optional, Tuple, Union

from . import stdlib_async as _std

# -- third-party libraries ------------------------------------------------------
THIRD_PARTY_ASYNC_FUNCTIONS: FrozenSet[str] = frozenset({
    "anyio.sleep", "anyio.sleep_forever", "anyio.sleep_until", "anyio.open_file", "anyio.run_process",
    "anyio.connect_tcp", "anyio.connect_unix", "anyio.create_tcp_listener", "anyio.create_unix_listener",
    "anyio.getaddrinfo", "anyio.to_thread.run_sync", "anyio.to_process.run_sync",
    "anyio.wait_socket_readable", "anyio.wait_socket_writable", "anyio.checkpoint" ,
    "anyio.lowlevel.checkpoint", "anyio.lowlevel.checkpoint_if_cancelled",
    "asyncpg.connect",
    "aiofiles.os.remove", "aiofiles.os.unlink", "aiofiles.os.rename", "aiofiles.os.replace",
    "aiofiles.os.mkdir", "aiofiles.os.makedirs", "aiofiles.os.rmdir", "aiofiles.os.removedirs",
    "aiofiles.os.stat", "aiofiles.os.listdir", "aiofiles.os.scandir", "aiofiles.os.sendfile",
    "aiofiles.os.path.exists", "aiofiles.os.path.isfile", "aiofiles.os.path.isdir",
    "aiofiles.os.path.getsize", "aiofiles.os.path.getmtime",
})

_HTTPX_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request", "send", "aclose")
_REDIS = ("execute_command", "get", "set", "setex", "delete", "exists", "expire", "incr", "decr", "incrby",
          "hget", "hset", "hgetall", "hdel", "lpush", "rpush", "lpop", "rpop", "lrange", "sadd", "srem",
          "smembers", "zadd", "zrem", "zrange", "publish", "ping", "close", "aclose", "mget", "mset",
          "flushdb", "flushall", "keys", "getdel", "initialize")
_WS = ("send", "recv", "close", "wait_closed", "ping", "pong")
_FILE = ("read", "readline", "readlines", "write", "writelines", "flush", "close", "seek", "tell", "truncate")

THIRD_PARTY_ASYNC_METHODS: Dict[str, FrozenSet[str]] = {
    "httpx.AsyncClient": frozenset(_HTTPX_VERBS),
    "httpx.Response": frozenset({"aread", "aclose"}),
    "aiohttp.ClientSession": frozenset({"close"}),
    "aiohttp.ClientResponse": frozenset({"read", "text", "json", "wait_for_close"}),
    "aiohttp.web.WebSocketResponse": frozenset({
        "prepare", "send_str", "send_bytes", "send_json", "receive", "receive_str", "receive_bytes",
        "receive_json", "close", "ping", "pong", "write", "write_eof", "drain"}),
    "aiohttp.ClientWebSocketResponse": frozenset({
        "send_str", "send_bytes", "send_json", "receive", "receive_str", "receive_bytes",
        "receive_json", "close", "ping", "pong"}),
    "aiohttp.web.StreamResponse": frozenset({"prepare", "write", "write_eof", "drain"}),
    "asyncpg.connection.Connection": frozenset({
        "execute", "executemany", "fetch", "fetchrow", "fetchval", "close", "prepare",
        "copy_from_table", "copy_to_table", "copy_records_to_table", "copy_from_query",
        "set_type_codec", "reload_schema_state", "add_listener", "remove_listener", "reset"}),
    "asyncpg.pool.Pool": frozenset({"execute", "executemany", "fetch", "fetchrow", "fetchval", "close",
                                    "release", "expire_connections"}),
    "redis.asyncio.client.Redis": frozenset(_REDIS),
    "aiofiles.threadpool.text.AsyncTextIOWrapper": frozenset(_FILE),
    "aiofiles.threadpool.binary.AsyncBufferedIOBase": frozenset(_FILE),
    "motor.motor_asyncio.AsyncIOMotorCollection": frozenset({
        "insert_one", "insert_many", "find_one", "update_one", "update_many", "delete_one",
        "delete_many", "count_documents", "estimated_document_count", "replace_one",
        "find_one_and_update", "find_one_and_delete", "find_one_and_replace", "drop",
        "create_index", "create_indexes", "drop_index", "bulk_write", "distinct"}),
    "motor.motor_asyncio.AsyncIOMotorDatabase": frozenset({
        "command", "drop_collection", "list_collection_names", "create_collection"}),
    "motor.motor_asyncio.AsyncIOMotorClient": frozenset({
        "list_database_names", "drop_database", "server_info", "start_session"}),
    "websockets.legacy.protocol.WebSocketCommonProtocol": frozenset(_WS),
    "websockets.asyncio.connection.Connection": frozenset(_WS),
    "anyio.Event": frozenset({"wait"}),
    "anyio.Lock": frozenset({"acquire"}),
    "anyio.Semaphore": frozenset({"acquire"}),
    "anyio.Condition": frozenset({"acquire", "wait"}),
    "anyio.abc.ObjectSendStream": frozenset({"send", "aclose"}),
    "anyio.abc.ObjectReceiveStream": frozenset({"receive", "aclose"}),
    "anyio.streams.memory.MemoryObjectSendStream": frozenset({"send", "aclose"}),
    "anyio.streams.memory.MemoryObjectReceiveStream": frozenset({"receive", "aclose"}),
}

THIRD_PARTY_ALIASES: Dict[str, str] = {
    "httpx._client.AsyncClient": "httpx.AsyncClient",
    "httpx._models.Response": "httpx.Response",
    "aiohttp.client.ClientSession": "aiohttp.ClientSession",
    "aiohttp.client_reqrep.ClientResponse": "aiohttp.ClientResponse",
    "aiohttp.web_ws.WebSocketResponse": "aiohttp.web.WebSocketResponse",
    "aiohttp.web_response.StreamResponse": "aiohttp.web.StreamResponse",
    "aiohttp.client_ws.ClientWebSocketResponse": "aiohttp.ClientWebSocketResponse",
    "asyncpg.Connection": "asyncpg.connection.Connection",
    "asyncpg.Pool": "asyncpg.pool.Pool",
    "redis.asyncio.Redis": "redis.asyncio.client.Redis",
    "redis.asyncio.StrictRedis": "redis.asyncio.client.Redis",
    "redis.asyncio.client.StrictRedis": "redis.asyncio.client.Redis",
    "motor.motor_asyncio.AsyncIOMotorClient": "motor.motor_asyncio.AsyncIOMotorClient",
    "websockets.WebSocketClientProtocol": "websockets.legacy.protocol.WebSocketCommonProtocol",
    "websockets.WebSocketServerProtocol": "websockets.legacy.protocol.WebSocketCommonProtocol",
    "websockets.client.WebSocketClientProtocol": "websockets.legacy.protocol.WebSocketCommonProtocol",
    "websockets.server.WebSocketServerProtocol": "websockets.legacy.protocol.WebSocketCommonProtocol",
    "websockets.legacy.client.WebSocketClientProtocol": "websockets.legacy.protocol.WebSocketCommonProtocol",
    "websockets.legacy.server.WebSocketServerProtocol": "websockets.legacy.protocol.WebSocketCommonProtocol",
    "websockets.asyncio.client.ClientConnection": "websockets.asyncio.connection.Connection",
    "websockets.asyncio.server.ServerConnection": "websockets.asyncio.connection.Connection",
    "anyio.abc.Event": "anyio.Event",
}

# Function or method -> class (or tuple of classes) it returns, or awaits to.
THIRD_PARTY_RETURNS: Dict[str, Union[str, Tuple[str, ...]]] = {
    "asyncpg.connect": "asyncpg.connection.Connection",
    "redis.asyncio.from_url": "redis.asyncio.client.Redis",
    "redis.asyncio.client.Redis.from_url": "redis.asyncio.client.Redis",
    "aiofiles.open": "aiofiles.threadpool.AiofilesContextManager",
    "httpx.AsyncClient.get": "httpx.Response", "httpx.AsyncClient.post": "httpx.Response",
    "httpx.AsyncClient.put": "httpx.Response", "httpx.AsyncClient.patch": "httpx.Response",
    "httpx.AsyncClient.delete": "httpx.Response", "httpx.AsyncClient.request": "httpx.Response",
    "httpx.AsyncClient.send": "httpx.Response",
    "anyio.create_memory_object_stream": ("anyio.streams.memory.MemoryObjectSendStream",
                                          "anyio.streams.memory.MemoryObjectReceiveStream"),
}

# Class -> what `with`/`async with` on an instance binds (the instance itself when the same name).
THIRD_PARTY_ENTER: Dict[str, str] = {
    "httpx.AsyncClient": "httpx.AsyncClient",
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "aiofiles.threadpool.AiofilesContextManager": "aiofiles.threadpool.text.AsyncTextIOWrapper",
    "redis.asyncio.client.Redis": "redis.asyncio.client.Redis",
    "asyncpg.pool.Pool": "asyncpg.pool.Pool",
    "anyio.Lock": "anyio.Lock",
}

# -- decorators -------------------------------------------------------------------
# Keep what the decorated function returns when called (a coroutine stays one).
PRESERVING_DECORATORS: FrozenSet[str] = frozenset({
    "builtins.staticmethod", "builtins.classmethod",
    "functools.cache", "functools.lru_cache", "functools.wraps", "functools.update_wrapper",
    "typing.overload", "typing.final", "typing.override", "typing.no_type_check",
    "typing_extensions.overload", "typing_extensions.final", "typing_extensions.override",
    "typing_extensions.deprecated", "warnings.deprecated",
    "abc.abstractmethod", "abc.abstractclassmethod", "abc.abstractstaticmethod",
})
# Decorator factories whose call result is a preserving decorator.
PRESERVING_FACTORIES: FrozenSet[str] = frozenset({
    "functools.lru_cache", "functools.wraps", "typing_extensions.deprecated", "warnings.deprecated",
})
# Make the decorated callable synchronous / a coroutine function.
TO_SYNC: FrozenSet[str] = frozenset({"asgiref.sync.async_to_sync", "asgiref.sync.AsyncToSync"})
TO_ASYNC: FrozenSet[str] = frozenset({"asgiref.sync.sync_to_async", "asgiref.sync.SyncToAsync",
                                      "channels.db.database_sync_to_async"})
# The result is not called like the function (properties, context managers).
NOT_A_CALL: FrozenSet[str] = frozenset({
    "builtins.property", "functools.cached_property", "functools.partialmethod",
    "contextlib.contextmanager", "contextlib.asynccontextmanager",
    "functools.singledispatch", "functools.singledispatchmethod",
})

# Classes whose `async with` / `with` gives the instance itself, besides the
# stdlib ones whose stub says `-> Self`.
_ALL_ASYNC_METHODS: Dict[str, FrozenSet[str]] = {**_std.ASYNC_METHODS, **THIRD_PARTY_ASYNC_METHODS}
_ALL_RETURNS = {**_std.RETURNS, **THIRD_PARTY_RETURNS}
_ALIASES = {**_std.ALIASES, **THIRD_PARTY_ALIASES}
_ASYNC_FUNCTIONS = _std.ASYNC_FUNCTIONS | THIRD_PARTY_ASYNC_FUNCTIONS
# Standard-library packages the generated table covers completely.
_STD_TOPS = frozenset(name.split(".")[0] for name in (*_std.CLASSES, *_std.ASYNC_FUNCTIONS))
_CLASSES = _std.CLASSES | frozenset(THIRD_PARTY_ASYNC_METHODS) | frozenset(THIRD_PARTY_ENTER)


def canonical(name: str, _depth: int = 0) -> str:
    """`asyncio.Queue.put` -> `asyncio.queues.Queue.put`."""
    if _depth > 10:
        return name
    if name in _ALIASES:
        return canonical(_ALIASES[name], _depth + 1)
    head, _, last = name.rpartition(".")
    if head and "." in head:
        canon_head = canonical(head, _depth + 1)
        if canon_head != head:
            return f"{canon_head}.{last}"
    return name


def names_of(canonical_names: Iterable[str]) -> FrozenSet[str]:
    """Every dotted name `canonical()` maps into `canonical_names`, as far as
    the last part goes: the names themselves and the aliases of them (a
    prefix's alias keeps the last part)."""
    wanted = frozenset(canonical_names)
    return wanted | frozenset(alias for alias in _ALIASES if canonical(alias) in wanted)


def is_class(name: str) -> bool:
    return canonical(name) in _CLASSES


def method_is_async(cls: str, method: str) -> Optional[bool]:
    """True/False for a known class, None when the class is unknown."""
    cls = canonical(cls)
    methods = _ALL_ASYNC_METHODS.get(cls)
    if methods is not None:
        return method in methods
    if cls in _CLASSES:
        return False
    return None


def is_coroutine_function(name: str) -> Optional[bool]:
    """Does calling the external callable `name` give a coroutine?"""
    name = canonical(name)
    if name in _ASYNC_FUNCTIONS:
        return True
    head, _, last = name.rpartition(".")
    if head and (head in _ALL_ASYNC_METHODS or head in _CLASSES):
        return method_is_async(head, last)
    if name in _CLASSES or name.split(".", 1)[0] in _STD_TOPS:
        return False
    return None


def returns(name: str) -> Optional[Union[str, Tuple[str, ...]]]:
    """The class a function or method returns (or a coroutine function awaits to)."""
    return _ALL_RETURNS.get(canonical(name))


def enter_result(cls: str, is_async: bool) -> Optional[str]:
    """What `with cls() as x` (or `async with`) binds x to, when known."""
    cls = canonical(cls)
    if cls in THIRD_PARTY_ENTER:
        return THIRD_PARTY_ENTER[cls]
    return _ALL_RETURNS.get(f"{cls}.{'__aenter__' if is_async else '__enter__'}")

# Sync functions that use their argument's value at once (AIO102): a
# coroutine given to them is taken for the result it never produced.
# dotted callee -> what the message calls that use.
VALUE_CONSUMERS = {
    **{f"builtins.{f}": f"`{f}()`" for f in (
        "bool", "len", "int", "float", "str", "repr", "list", "tuple", "set", "dict", "sorted", "sum",
        "min", "max", "abs", "round", "hasattr", "getattr", "iter", "next", "enumerate", "zip")},
    "json.dumps": "`json.dumps()`",
    **{f"logging.{f}": f"`logging.{f}()`" for f in (
        "debug", "info", "warning", "error", "critical", "exception", "log")},
}
# Methods of a literal string that format their arguments.
STR_FORMATTERS = frozenset({"format"})
