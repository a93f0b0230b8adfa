def lines = new File(basedir, 'build.log').readLines()
def target = new File(basedir, 'target')
assert lines.contains("[INFO] nsbox: created " + target.canonicalPath + " (a bind source in the build's output folder)")
assert lines.contains("[INFO] nsbox: created " + new File(target, 'reports/deep').canonicalPath
        + " (a bind source in the build's output folder)")
assert lines.contains('[INFO] [write] wrote both')
assert new File(target, 'built.txt').text == 'built\n'
assert new File(target, 'reports/deep/r.txt').text == 'report\n'
def report = new File(target, 'nsbox/run-report.json').text
assert report.contains('"name": "after-clean"')
assert report.contains('"name": "write"')
assert lines.contains('[INFO] BUILD SUCCESS')
