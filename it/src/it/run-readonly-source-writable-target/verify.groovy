def lines = new File(basedir, 'build.log').readLines()
assert lines.contains("[INFO] [try-writes] touch: cannot touch 'src/touched': Read-only file system")
assert lines.contains('[INFO] [try-writes] the source tree is read-only')
assert lines.contains("[INFO] [try-writes] touch: cannot touch '/etc/nsbox-it-touched': Read-only file system")
assert lines.contains('[INFO] [try-writes] target is writable')
assert !new File(basedir, 'src/touched').exists()
assert !new File('/etc/nsbox-it-touched').exists()
assert new File(basedir, 'target/built.txt').text == 'built\n'
assert lines.contains('[INFO] BUILD SUCCESS')
