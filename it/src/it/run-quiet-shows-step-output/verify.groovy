// Maven's console writes an ANSI reset (ESC[0m) before each line under -q.
def lines = new File(basedir, 'build.log').readLines().collect { it.replaceAll(/\u001B\[[0-9;]*m/, '') }
assert lines.contains('[say] said quietly')
assert lines.contains('[say] complained quietly')
assert !lines.any { it.startsWith('[INFO]') || it.startsWith('[WARNING]') }
