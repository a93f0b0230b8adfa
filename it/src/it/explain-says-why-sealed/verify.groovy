def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] propagation: mount("none", "/", NULL, MS_REC|MS_PRIVATE, NULL)')
assert lines.contains('[INFO] mounts[0]: mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID|MS_NODEV, NULL)')
assert lines.contains('[INFO]   rule: a mount on a private mount neither forwards nor receives propagation (sharedsubtree.rst, 2c)')
assert lines.contains('[INFO]   propagates nowhere: it stays in the sandbox')
assert lines.any { it.startsWith('[INFO] sealed: ') }
assert lines.contains('[INFO] BUILD SUCCESS')
