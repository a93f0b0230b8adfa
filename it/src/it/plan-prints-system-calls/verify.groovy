def lines = new File(basedir, 'build.log').readLines()
def call = { String c -> lines.find { it.startsWith('[INFO] ' + c) } }
assert call('mount("none", "/", NULL, MS_REC|MS_PRIVATE, NULL);')?.endsWith('/* nsbox.yaml:1:1 propagation */')
assert call('mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID|MS_NODEV, "size=67108864");')?.endsWith('/* nsbox.yaml:6:5 mounts[0] */')
assert call('fsopen("proc", FSOPEN_CLOEXEC) = fs; fsconfig(fs, FSCONFIG_SET_STRING, "source", "proc", 0); fsconfig(fs, FSCONFIG_SET_FD, "pidns", NULL, pid_for_children); fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0); fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC) = mnt; move_mount(mnt, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH);')
// The defaults the spec did not write: a minimal /dev on the host root, marked as a default,
// and the guards of the spec's proc, made right after it.
assert call('mount("tmpfs", "/dev", "tmpfs", MS_NOSUID|MS_NOEXEC, "mode=0755,size=65536");')?.endsWith('root (default: minimal /dev) */')
assert lines.any { it.startsWith('[INFO] /* note: default: a minimal /dev') && it.contains('a mount of your own on /dev') }
// The host's tree made nodev and nosuid, after every source is opened and before the minimal /dev.
def nodev = lines.findIndexOf { it.startsWith('[INFO] mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, {attr_set=MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV,') && it.endsWith('root (default: nodev, nosuid) */') }
assert nodev > 0 && nodev < lines.findIndexOf { it.startsWith('[INFO] mount("tmpfs", "/dev", "tmpfs"') }
assert nodev > lines.findLastIndexOf { it.startsWith('[INFO] open_tree(AT_FDCWD, "/dev/') }
assert call('open_tree(AT_FDCWD, "/proc/sys", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE) = tree')?.endsWith('/* nsbox.yaml:7:5 mounts[1] (default guard) */')
assert lines.findIndexOf { it.startsWith('[INFO] open_tree(AT_FDCWD, "/proc/sys"') } > lines.findIndexOf { it.startsWith('[INFO] fsopen("proc"') }
assert call('mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID|MS_NODEV, "size=67108864");')
// The confinement of every step, with the call that installs the filter.
assert lines.any { it.startsWith('[INFO] /*   capabilities: none (every set empty;') }
assert lines.any { it.startsWith('[INFO] /*   seccomp: default filter (Docker\'s baseline)') }
assert lines.any { it.startsWith('[INFO] /*   seccomp(SECCOMP_SET_MODE_FILTER, 0, {len=') }
assert call('sethostname("planned", 7);')?.endsWith('/* nsbox.yaml:4:11 hostname */')
// The project's values, a -D property and the local repository (the tests' own) are filled in.
def repo = new File(basedir, '../../local-repo').canonicalPath
assert lines.any { it.startsWith('[INFO] /*   show: echo plan-prints-system-calls hello ' + repo + '  (cwd /)') }
assert lines.contains('[INFO] /* host effects: none; the sandbox is sealed from the host */')
def json = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/plan.json'))
assert json.operations.any { it.call == 'mount("none", "/", NULL, MS_REC|MS_PRIVATE, NULL)' }
assert json.hostEffects == []
assert json.confinement.any { it.startsWith('capabilities: none') }
assert json.operations.any { it.call == 'mount("tmpfs", "/dev", "tmpfs", MS_NOSUID|MS_NOEXEC, "mode=0755,size=65536")' && it.origin.path.contains('default') }
assert json.steps[0].argv == ['echo', 'plan-prints-system-calls', 'hello', repo]
