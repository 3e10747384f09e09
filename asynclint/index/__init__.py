"""Project-wide knowledge.

Phase 1 (`summary`) turns each parsed file into a plain-data `ModuleSummary`
(picklable, cached by content hash). Phase 2 (`project`) joins all summaries
into a `ProjectIndex` that answers the questions rules deferred while walking
("does this symbolic call return a coroutine?").

Symbols (`Sym`) are tuples, cheap to pickle and compare:
    ("module", "pkg.mod")          a module
    ("global", "pkg.mod", "name")  a module-level name, resolved in phase 2
                                   (follows re-exports and `import *`)
    ("attr", Sym, "name")          attribute of another symbol
    ("call", Sym)                  the value a call of Sym returns
    ("inst", Sym)                  an instance of the class Sym (annotations)
    ("local", "qualname")          a def/class nested in a function
    ("builtin", "name")
    ("await", Sym)                 the value `await Sym` gives
    ("item", Sym, i)               element i of a tuple value (`a, b = f()`)
    ("enter", Sym, is_async)       the target of `with Sym as x` (`async with`)
    ("super", ClassSym)            `super()` in a method of that class
    ("union", (Sym, ...))          one of these values (an attribute assigned
                                   different values in different methods)
    ("typevar", Sym)               a TypeVar: stands for its bound (a class)
    ("generic", Sym)               `Cls[T]`: the class, when Sym is one
    ("callable", Sym)              a callable whose calls give Sym
                                   (`Callable[[A], Coroutine[...]]`)
    ("unknown",)                   known to be unknown (conflicting bindings)
    None                           unknown: rules stay quiet
"""
