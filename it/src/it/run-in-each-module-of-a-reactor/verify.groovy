def lines = new File(basedir, 'build.log').readLines()
def lib = lines.indexOf('[INFO] [lib-step] lib in ' + new File(basedir, 'lib').canonicalPath)
def app = lines.indexOf('[INFO] [app-step] app in ' + new File(basedir, 'app').canonicalPath)
assert lib >= 0
assert app > lib
assert new File(basedir, 'lib/target/ran.txt').text.startsWith('lib in ')
assert new File(basedir, 'app/target/ran.txt').text.startsWith('app in ')
assert lines.count('[INFO] nsbox: 1 spec is valid: lib/nsbox.yaml') == 1
assert lines.count('[INFO] nsbox: 1 spec is valid: app/nsbox.yaml') == 1
assert lines.contains('[INFO] BUILD SUCCESS')
