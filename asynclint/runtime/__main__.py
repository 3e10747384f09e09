import sys

from asynclint.runtime.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
