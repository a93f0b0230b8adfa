import java.nio.file.Files

def lines = new File(basedir, 'build.log').readLines()
def user = System.getenv('NSBOX_TEST_USER') ?: 'nsboxci'
def uid = ['id', '-u', user].execute().text.trim() as int
def gid = ['id', '-g', user].execute().text.trim() as int

// Maven ran as the user, without CAP_SYS_ADMIN: nsbox added a user namespace, mapping the user to
// root inside (uid_map: 0 inside is the user's uid outside).
assert lines.count('[INFO] nsbox: adds a user namespace mapping the caller to uid 0, gid 0: the caller lacks CAP_SYS_ADMIN') == 3
assert lines.count("[INFO] [look] uid 0, uid_map 0 ${uid} 1".toString()) == 2

// The hermetic-tests sandbox, in each module: the step is PID 2 under nsbox-init in a PID namespace
// of its own, the hostname is the spec's, the network has only lo, the source tree and the host
// are read-only, target/ is writable.
assert lines.count('[INFO] [look] pid 2, under nsbox-init') == 2
assert lines.count('[INFO] [look] hostname hermetic') == 2
assert lines.count('[INFO] [look] interfaces lo ') == 2
assert lines.count('[INFO] [look] the source tree is read-only') == 2
assert lines.count('[INFO] [look] the host is read-only') == 2
assert lines.count('[INFO] [look] target is writable') == 2
assert lines.contains('[INFO] [again] wrote target/again.txt')
assert !new File(basedir, 'lib/src/touched').exists()
assert !new File(basedir, 'app/src/touched').exists()
assert !new File('/etc/nsbox-it-touched').exists()

// What a step wrote to target/ belongs to the user outside, not to root.
def written = ['lib/target/built.txt', 'app/target/built.txt', 'app/target/again.txt'].collect { new File(basedir, it) }
assert written*.text == ['lib\n', 'app\n', 'again\n']
written.each { f ->
    assert Files.getAttribute(f.toPath(), 'unix:uid') == uid: "${f} is owned by uid ${Files.getAttribute(f.toPath(), 'unix:uid')}"
    assert Files.getAttribute(f.toPath(), 'unix:gid') == gid
}

// Three sandboxes, one helper JVM: the first run starts it (and says so, once), the later ones
// name the same helper.
def applying = lines.findAll { it.startsWith('[INFO] nsbox: applying ') }
assert applying.size() == 3
assert applying[0].endsWith(', in a helper JVM to be started in a user namespace (mapping 0:0)')
def started = lines.findAll { it.startsWith('[INFO] nsbox: started the sandbox helper JVM in ') }
assert started.size() == 1
def pid = (started[0] =~ /nsbox sandbox server, pid (\d+), user namespace mapping the caller to 0:0\)/)[0][1]
applying.drop(1).each {
    assert it.endsWith(", in a helper JVM (nsbox sandbox server, pid ${pid}, user namespace mapping the caller to 0:0)")
}
assert lines.contains('[INFO] BUILD SUCCESS')
// ... and it ended with the build (its pid is the machine's: the helper has a user namespace only).
def cmdline = new File("/proc/${pid}/cmdline")
assert !cmdline.exists() || !cmdline.text.contains('dev.nsbox.exec.SandboxServer')

// Measured, not asserted (the machine may be busy): what each sandbox cost, the first including
// the helper JVM's start.
def setUp = lines.findAll { it.startsWith('[INFO] nsbox: sandbox set up in ') }.collect { (it =~ /(\d+) ms/)[0][1] }
println "[nsbox-it] ${basedir.name}: ${started[0].substring(14)}; set-up of each sandbox (ms): ${setUp.join(', ')}"
