#!/usr/bin/env python3
"""Writes the 400-test project of docs/hermetic-tests.md ("Overhead") into the folder given.

40 JUnit 5 classes of 10 tests, each doing a little string, file (a temp file) and map work;
the pom has nsbox:prepare and nsbox:verify-forks. Run it with run.sh, the per-fork cost with
fork-cost.sh (after one build, which writes the wrapper)."""
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else 'bench-400-tests'
os.makedirs(os.path.join(out, 'src/test/java/bench'), exist_ok=True)
with open(os.path.join(out, 'pom.xml'), 'w') as f:
    f.write("""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.nsbox.bench</groupId>
  <artifactId>bench-400-tests</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.14.1</version><scope>test</scope></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.5.2</version></plugin>
      <plugin>
        <groupId>dev.nsbox</groupId><artifactId>nsbox-maven-plugin</artifactId><version>0.1.0-SNAPSHOT</version>
        <executions><execution><goals><goal>prepare</goal><goal>verify-forks</goal></goals></execution></executions>
      </plugin>
    </plugins>
  </build>
</project>
""")
for c in range(40):
    tests = []
    for t in range(10):
        tests.append(f"""
    @Test
    void case{t}() throws Exception {{
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) {{
            sb.append(Integer.toHexString(i * {c + 1} + {t}));
        }}
        Path f = Files.createTempFile("bench", ".txt");
        Files.writeString(f, sb);
        assertEquals(sb.length(), Files.readString(f).length());
        Files.delete(f);
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < 5000; i++) {{
            m.merge(Integer.toString(i % 97), i, Integer::sum);
        }}
        assertTrue(m.size() == 97);
    }}
""")
    with open(os.path.join(out, f'src/test/java/bench/Bench{c:02d}Test.java'), 'w') as f:
        f.write(f"""package bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Bench{c:02d}Test {{
{''.join(tests)}
}}
""")
