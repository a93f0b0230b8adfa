def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] propagation: mount("none", "/", NULL, MS_REC|MS_PRIVATE, NULL)')
assert lines.contains('[INFO] mounts[0]: mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID|MS_NODEV, NULL)')
assert lines.contains('[INFO]   rule: a mount on a private mount neither forwards nor receives propagation (sharedsubtree.rst, 2c)')
assert lines.contains('[INFO]   propagates nowhere: it stays in the sandbox')
assert lines.any { it.startsWith('[INFO] sealed: ') }
// The minimal /dev is a default of the host root; it is sealed like the spec's own mounts.
assert lines.any { it.startsWith('[INFO] ') && it.contains('mount("tmpfs", "/dev", "tmpfs", MS_NOSUID|MS_NOEXEC, "mode=0755,size=65536")') }
assert lines.contains('[INFO] each step is confined, whatever the mounts (nsbox-init, before execve):')
assert lines.any { it.startsWith('[INFO]   capabilities: none') }
assert lines.any { it.startsWith('[INFO]   seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=') }
assert lines.contains('[INFO] BUILD SUCCESS')
