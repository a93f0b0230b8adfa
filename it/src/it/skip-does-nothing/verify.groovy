def lines = new File(basedir, 'build.log').readLines()
def skipped = '[INFO] nsbox: skipped, because nsbox.skip is true; drop -Dnsbox.skip (or set <skip>false</skip>) to run it'
assert lines.count(skipped) == 3
assert !lines.any { it.contains('mounst') }
assert lines.contains('[INFO] BUILD SUCCESS')
