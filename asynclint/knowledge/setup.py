"""Set-up code of a resource: where a file is opened or read once per
object, before it serves (the AIO2 rules leave such file I/O alone unless
`blocking-at-setup = true`; index/setup.py decides). Defaults of the
`setup-functions` and `setup-factories` settings, from the triage of real
applications (benchmarks/triage/apps.md)."""

# Method names (shell-style patterns) of set-up steps by convention, run
# once per object before it serves: `setup()` of a pipeline processor or
# service (pipecat reads a prompt file there), `init_*` steps
# (`init_controller()` of a Bluetooth driver loads its firmware image),
# Textual's `on_mount()` (a screen reads its saved history as it mounts).
# Not `start`, `open` or `connect`: a spawner's `start()` runs for every
# user a server spawns (jupyterhub), and a client may connect again on
# every request.
SETUP_FUNCTIONS = (
    "setup",
    "init_*",
    "on_mount",
)

# Names of async factories, coroutines that build and return one object of
# the project (bumble's `open_file_transport()` opens the device file it
# hands to the loop, `create_audio_output()` builds a `FileAudioOutput`
# that opens its file).
SETUP_FACTORIES = (
    "open_*",
    "create_*",
)
