"""Machine code once per kernel Python calls: the kernels only kernels call stay LLVM IR.

numba finalizes the code library of every function it compiles: it links in its callees'
libraries, optimises the whole (LLVM O3) and generates machine code for it. A kernel compiled
with :data:`.internal.ONLY_FROM_KERNELS` never runs from its own machine code (it has no entry
point): each caller links its IR in and optimises and generates it once more. Down the NE
march's call tree (``los_batch`` -> ``march`` -> ``_panel`` -> ``_integrand`` -> ``ne_dsm``
-> ...) every level did so for all it calls: a fresh installation's first batch spent ~10 s of
its ~23 s in LLVM, ~2.5 s of it for the one library that runs.

:func:`install` makes numba *link* such a library instead: its callees' IR is linked in, and
it is optimised and generated only inside a caller that has an entry point (once, for the whole
tree, as before). numba caches it as that linked LLVM bitcode (kind :data:`KIND`), not as
machine code; a later process compiling another caller loads it from there. Should anything
ask for the address of one of its functions, it is optimised and generated then, as numba
would have done at once. Results are bit-identical (no floating-point flag changes; the same
O3 runs on the same code, once).

A library is deferred only when every function it defines is one of this package's (numba's
mangled names start with the package's name) and none uses its environment (objects that only
its own machine code could reach). Everything else (numba's own functions, other packages',
kernels with an entry point) is finalized as numba does. The cache stamp of
:mod:`.cache_key` covers this module's source: a change here recompiles every kernel.
"""

from __future__ import annotations

from llvmlite import binding as llvm
from numba.core import codegen
from numba.core.compiler_lock import global_compiler_lock, require_global_compiler_lock

KIND = "linked-bitcode"
"""The serialization kind of a deferred library in numba's cache files."""

_PACKAGE = __name__.split(".")[0]
OWN_PREFIX = f"_ZN{len(_PACKAGE)}{_PACKAGE}"
"""How numba's mangled names of this package's functions begin (``_ZN12mwprop_batch``)."""

ENVIRONMENT_PREFIX = "_ZN08NumbaEnv"
"""numba's name of the global holding a function's environment (its Python objects)."""


def is_deferred(library: codegen.CPUCodeLibrary) -> bool:
    """Whether ``library`` has been linked but not optimised nor generated."""
    return getattr(library, "_mwprop_deferred", False)


def may_defer(library: codegen.CPUCodeLibrary) -> bool:
    """Whether ``library`` (not yet finalized) can be left as linked IR: every function it
    defines is this package's (no CPython or C wrapper: those are ``_ZN7cpython``/``cfunc.``)
    and its environment is never read (its name appears once, where it is defined)."""
    module = library._final_module
    defined = [f.name for f in module.functions if not f.is_declaration]
    if not defined or not all(name.startswith(OWN_PREFIX) for name in defined):
        return False
    environments = [g.name for g in module.global_variables
                    if g.name.startswith(ENVIRONMENT_PREFIX)]
    if not environments:
        return True
    text = str(module)
    return all(text.count(name) == 1 for name in environments)


def _link_callees(library: codegen.CPUCodeLibrary) -> None:
    """Link the libraries ``library`` calls into its module (what numba's finalize does before
    it optimises)."""
    seen = set()
    for callee in library._linking_libraries:
        if callee not in seen:
            library._reload_init.update(callee._reload_init)
            seen.add(callee)
            library._final_module.link_in(callee._get_module_for_linking(), preserve=True)


def _generate(library: codegen.CPUCodeLibrary) -> None:
    """Optimise and generate a deferred library now (the rest of numba's finalize)."""
    with global_compiler_lock:
        if not is_deferred(library):
            return
        library._mwprop_deferred = False
        library._optimize_final_module()
        library._final_module.verify()
        library._finalize_final_module()


NUMBA_INTERNALS = {
    "CPUCodeLibrary": ("finalize", "serialize_using_object_code", "_unserialize",
                       "_raise_if_finalized", "_get_module_for_linking",
                       "_optimize_final_module", "_finalize_final_module"),
    "JITCodeLibrary": ("get_pointer_to_function",),
    "JITCPUCodegen": ("set_env",),
}
"""The members of numba's ``numba.core.codegen`` this module relies on (numba 0.68's)."""


def supported() -> bool:
    """Whether this numba has every member of :data:`NUMBA_INTERNALS` (if not, :func:`install`
    leaves numba as it is: kernels compile as numba does, only slower)."""
    return all(hasattr(getattr(codegen, cls, None), member)
               for cls, members in NUMBA_INTERNALS.items() for member in members)


def install() -> None:
    """Teach numba's CPU code libraries to defer this package's kernels without an entry point
    (once per class; idempotent; nothing on a numba without :data:`NUMBA_INTERNALS`). Each
    patched method falls back to the one it replaces for every other library, so another
    copy of the package installing its own is chained."""
    library_class, jit_library_class = codegen.CPUCodeLibrary, codegen.JITCodeLibrary
    if not supported() or OWN_PREFIX in getattr(library_class, "_mwprop_deferring", ()):
        return
    finalize = library_class.finalize
    serialize = library_class.serialize_using_object_code
    unserialize = library_class._unserialize.__func__
    pointer_to_function = jit_library_class.get_pointer_to_function
    set_env = codegen.JITCPUCodegen.set_env

    def deferring_finalize(self):
        if not may_defer(self):
            return finalize(self)
        require_global_compiler_lock()
        self._raise_if_finalized()
        _link_callees(self)
        self._mwprop_deferred = True
        self._finalized = True

    def serialize_deferred(self):
        if is_deferred(self):
            return (self.name, KIND, self._get_module_for_linking().as_bitcode())
        return serialize(self)

    def unserialize_deferred(cls, codegen_, state):
        name, kind, data = state
        if kind != KIND:
            return unserialize(cls, codegen_, state)
        self = codegen_.create_library(name)
        self._shared_module = llvm.parse_bitcode(data)  # serialized ready to link
        # its own copy as numba's finalize had it: external functions (the copy to link has
        # them linkonce_odr, which LLVM would drop as unused were it generated on demand)
        self._final_module = llvm.parse_bitcode(data)
        for function in self._final_module.functions:
            if not function.is_declaration and function.linkage == llvm.Linkage.linkonce_odr:
                function.linkage = llvm.Linkage.external
        self._mwprop_deferred = True
        self._finalized = True
        return self

    def generated_pointer_to_function(self, name):
        if is_deferred(self):
            function = next((f for f in self._final_module.functions if f.name == name), None)
            if function is None or function.is_declaration:
                return 0  # numba asks for the CPython wrapper, which it does not have
            _generate(self)
        return pointer_to_function(self, name)

    def set_env_if_generated(self, env_name, env):
        if not self._engine.get_global_value_address(env_name):
            return  # a deferred library's: its environment is never read (may_defer)
        set_env(self, env_name, env)

    library_class.finalize = deferring_finalize
    library_class.serialize_using_object_code = serialize_deferred
    library_class._unserialize = classmethod(unserialize_deferred)
    jit_library_class.get_pointer_to_function = generated_pointer_to_function
    codegen.JITCPUCodegen.set_env = set_env_if_generated
    library_class._mwprop_deferring = (*getattr(library_class, "_mwprop_deferring", ()),
                                       OWN_PREFIX)
