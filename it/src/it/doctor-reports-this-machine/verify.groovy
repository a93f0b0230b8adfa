def lines = new File(basedir, 'build.log').readLines()
for (section in ['caller', 'user namespaces', 'namespaces', 'mount API', 'specs']) {
    assert lines.contains('[INFO] ' + section + ':')
}
// Each check is one line: its status, then what was found.
assert lines.any { it ==~ /\[(INFO|WARNING)\]   (ok|no|warn|info) +mount/ }
assert lines.any { it.contains(new File(basedir, 'nsbox.yaml').canonicalPath + ': ') }
assert lines.contains('[INFO] BUILD SUCCESS')
