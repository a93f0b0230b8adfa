def log = new File(basedir, 'build.log').text
assert log.contains('[INFO] [run] greeting: hello from the sandbox')
assert log.contains('[INFO] [run] interfaces: lo')
assert log.contains('[INFO] [run] hostname: sandbox')
// The step's JVM is a child of the sandbox's PID 1, in a PID namespace of its own.
assert log.contains('[INFO] [run] parent pid: 1')
assert new File(basedir, 'target/classes/hello/Hello.class').isFile()
assert log.contains('BUILD SUCCESS')
