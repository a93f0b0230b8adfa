def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] [left-meets-right] left met right')
assert lines.contains('[INFO] [right-meets-left] right met left')
assert lines.any { it.contains('Using the MultiThreadedBuilder implementation with a thread count of 2') }
assert lines.contains('[INFO] BUILD SUCCESS')
