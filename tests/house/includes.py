#!/usr/bin/python3
"""The dependency rules of src/README.md, checked against the code:

  includes.py REPO

  - every folder of src/ has a row in src/README.md's table, and every row a folder;
  - every #include of a file under src/<folder>/ names <folder> itself, a folder its row's "may
    depend on" allows (or what those allow in turn), a third-party library allowed the same way
    (<mpi.h> is MPI, <hdf5.h> HDF5, <Eigen/...> Eigen, ...), or the standard library; never a
    path with "..";
  - each library's CMake target_link_libraries names only what its row allows, so the build
    cannot make visible what the table forbids (src/CMakeLists.txt: hs_headers);
  - no MPI_ identifier outside src/exec/ (in src/, apps/, bench/).

Prints each offence with its file and line, and exits 1 when there is one.
"""
import os
import re
import sys

# How third-party libraries appear in #include <...> lines and in CMake link lines.
THIRD_PARTY = {
    "MPI": (r"mpi\.h$", "MPI::MPI_C"),
    # hs::hdf5: the shared library or the static archive, by the consumer (the top CMakeLists.txt).
    "HDF5": (r"(hdf5\.h|H5\w*\.h)$", ("hdf5::hdf5", "hs::hdf5")),
    "Eigen": (r"Eigen/", "Eigen3::Eigen"),
    "OpenMP": (r"omp\.h$", "OpenMP::OpenMP_CXX"),
    "NLopt": (r"nlopt\.h(pp)?$", "NLopt::nlopt"),
    "zlib": (r"zlib\.h$", "ZLIB::ZLIB"),
    "toml++": (r"toml\+\+/", "tomlplusplus::tomlplusplus"),
    "fmt": (r"fmt/", "fmt::fmt"),
    "CLI11": (r"CLI/", "CLI11::CLI11"),
    "CUDA": (r"^cuda_runtime", "CUDA::cudart"),
    "cuBLAS": (r"^cublas", "CUDA::cublas"),
}
# Words of the table that are neither a folder nor a library above.
PLAIN = {"the standard library", "POSIX"}
# Library targets of a folder other than hs_<folder>.
TARGETS = {"hs_tpe": "search", "hs_gp": "search", "hypersweep_cuda": "train"}
# Link words that name the platform (POSIX's dlopen), allowed everywhere as its headers are.
PLATFORM = ("${CMAKE_DL_LIBS}",)


def table(repo):
    """folder -> (direct deps: folders and third-party names), from src/README.md."""
    rows, bad = {}, []
    for n, line in enumerate(open(os.path.join(repo, "src/README.md"), encoding="utf-8"), 1):
        m = re.match(r"\|\s*([\w/]+)/\s*\|[^|]*\|[^|]*\|([^|]*)\|\s*$", line)
        if not m or m.group(1) == "folder":
            continue
        folder, deps = m.group(1), set()
        allowed = m.group(2).split(".")[0]  # what follows a full stop is prose ("Never MPI")
        for word in (w.strip() for w in allowed.split(",")):
            if not word:
                continue
            if word in PLAIN:
                continue
            deps.add(word)
        rows[folder] = (deps, n)
    return rows


def closure(rows, folder):
    seen, todo = set(), list(rows.get(folder, (set(), 0))[0])
    while todo:
        d = todo.pop()
        if d in seen:
            continue
        seen.add(d)
        if d in rows:
            todo.extend(rows[d][0])
    return seen


def check_rows(repo, rows, bad):
    folders = sorted(d for d in os.listdir(os.path.join(repo, "src"))
                     if os.path.isdir(os.path.join(repo, "src", d)))
    for f in folders:
        if f not in rows:
            bad.append(f"src/README.md: no row for src/{f}/")
    for f, (deps, n) in rows.items():
        if f not in folders and f != "apps":
            bad.append(f"src/README.md:{n}: a row for {f}/, which src/ does not have")
        for d in deps:
            if d not in rows and d not in THIRD_PARTY:
                bad.append(f"src/README.md:{n}: {f}/ may depend on \"{d}\", which is neither a "
                           f"folder nor a library this check knows")
    return folders


def check_file(path, rel, folder, allowed, bad):
    # apps/<program>/ files include their own as "<program>/x.h".
    own = rel.split("/")[1] if folder == "apps" else folder
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
        if not m:
            continue
        name = m.group(2)
        if ".." in name:
            bad.append(f"{rel}:{n}: #include \"{name}\" climbs out of the include folders")
            continue
        head = name.split("/")[0]
        if m.group(1) == '"':
            if "/" not in name:
                bad.append(f"{rel}:{n}: #include \"{name}\" names no folder")
            elif head != own and head not in allowed:
                bad.append(f"{rel}:{n}: #include \"{name}\": {folder}/ may not depend on {head}/")
            continue
        for lib, (pattern, _) in THIRD_PARTY.items():
            if re.search(pattern, name) and lib not in allowed:
                bad.append(f"{rel}:{n}: #include <{name}>: {folder}/ may not depend on {lib}")


def check_links(repo, rows, folders, bad):
    for f in folders:
        path = os.path.join(repo, "src", f, "CMakeLists.txt")
        text = re.sub(r"#[^\n]*", "", open(path, encoding="utf-8").read())
        for m in re.finditer(r"target_link_libraries\(\s*(\w+)([^)]*)\)", text):
            owner = TARGETS.get(m.group(1), m.group(1)[3:])
            for dep in m.group(2).split():
                if dep in ("PUBLIC", "PRIVATE", "INTERFACE", "hs_flags") + PLATFORM:
                    continue
                name = TARGETS.get(dep, dep[3:] if dep.startswith("hs_") else None)
                if name is None:
                    name = next((lib for lib, (_, t) in THIRD_PARTY.items()
                                 if dep == t or (isinstance(t, tuple) and dep in t)), dep)
                if name != owner and name not in rows.get(owner, (set(), 0))[0]:
                    bad.append(f"src/{f}/CMakeLists.txt: {m.group(1)} links {dep}, which "
                               f"src/README.md does not let {owner}/ depend on")


def check_mpi(repo, bad):
    for top in ("src", "apps", "bench"):
        for root, _, files in os.walk(os.path.join(repo, top)):
            for fname in files:
                path = os.path.join(root, fname)
                rel = os.path.relpath(path, repo)
                if rel.startswith("src/exec/") or not fname.endswith((".cpp", ".h", ".cu", ".cuh")):
                    continue
                for n, line in enumerate(open(path, encoding="utf-8"), 1):
                    code = line.split("//")[0]
                    if re.search(r"\bMPI_\w+", code):
                        bad.append(f"{rel}:{n}: an MPI_ identifier outside src/exec/")


def main():
    repo = sys.argv[1]
    bad = []
    rows = table(repo)
    folders = check_rows(repo, rows, bad)
    for f in folders + ["apps"]:
        allowed = closure(rows, f)
        base = os.path.join(repo, "src", f) if f != "apps" else os.path.join(repo, "apps")
        for root, _, files in os.walk(base):
            for fname in sorted(files):
                if fname.endswith((".cpp", ".h", ".cu", ".cuh")):
                    path = os.path.join(root, fname)
                    check_file(path, os.path.relpath(path, repo), f, allowed, bad)
    check_links(repo, rows, folders, bad)
    check_mpi(repo, bad)
    for b in bad:
        print(b)
    if bad:
        sys.exit(1)
    print(f"includes: every #include of src/ ({len(folders)} folders) and apps/ as src/README.md "
          f"allows, the libraries' links too, and MPI_ only in src/exec/")


if __name__ == "__main__":
    main()
