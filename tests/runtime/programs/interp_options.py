import sys
import warnings

print("optimize", sys.flags.optimize, "dev", sys.flags.dev_mode, "isolated", sys.flags.isolated,
      "filter", warnings.filters[0][0], "argv", sys.argv[1:])
assert False, "asserts are stripped by -O"
