import sys

print(__name__, sys.argv[1:])
sys.exit(int(sys.argv[1]) if sys.argv[1:] else 0)
