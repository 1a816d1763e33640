import { describe, expect, it } from 'vitest';
import { readPom, rewritePom } from './pom-xml.ts';

const POM = `<?xml version="1.0"?>
<project>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.3.4</version>
  </parent>
  <artifactId>app</artifactId>
  <version>1.0.0</version>
  <properties>
    <postgresql.version> 42.7.2 </postgresql.version>
    <tc.version>1.19.7</tc.version>
    <!-- <mapstruct.version>9.9.9</mapstruct.version> -->
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.mapstruct</groupId>
        <artifactId>mapstruct</artifactId>
        <version>1.5.5.Final</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
      <exclusions><exclusion><groupId>x</groupId><artifactId>y</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId><version>\${postgresql.version}</version></dependency>
    <dependency><groupId>org.mapstruct</groupId><artifactId>mapstruct</artifactId></dependency>
    <dependency><groupId>org.testcontainers</groupId><artifactId>postgresql</artifactId><version>\${tc.version}</version></dependency>
    <dependency><groupId>org.testcontainers</groupId><artifactId>kafka</artifactId><version>\${tc.version}</version></dependency>
    <dependency><groupId>dev.apollo</groupId><artifactId>client</artifactId><version>\${project.version}</version></dependency>
    <dependency><groupId>dev.apollo</groupId><artifactId>other</artifactId><version>\${undefined.version}</version></dependency>
  </dependencies>
  <profiles>
    <profile><dependencies><dependency><groupId>p</groupId><artifactId>q</artifactId><version>1.0</version></dependency></dependencies></profile>
  </profiles>
</project>
`;

const brief = (text: string) => readPom(text).map(({ site: _site, ...d }) => d);

describe('pom.xml', () => {
  it('reads the parent and each dependency with its version, through properties, leaving profiles and exclusions out', () => {
    expect(brief(POM)).toEqual([
      { name: 'org.springframework.boot:spring-boot-starter-parent', section: 'parent', version: '3.3.4' },
      { name: 'org.mapstruct:mapstruct', section: 'dependencyManagement', version: '1.5.5.Final' },
      { name: 'org.springframework.boot:spring-boot-starter-web', section: 'dependencies', note: 'no version here: the parent or an imported BOM manages it' },
      { name: 'org.postgresql:postgresql', section: 'dependencies', version: '42.7.2', property: 'postgresql.version' },
      { name: 'org.mapstruct:mapstruct', section: 'dependencies', note: 'no version here: the parent or an imported BOM manages it' },
      { name: 'org.testcontainers:postgresql', section: 'dependencies', version: '1.19.7', property: 'tc.version' },
      { name: 'org.testcontainers:kafka', section: 'dependencies', version: '1.19.7', property: 'tc.version' },
      { name: 'dev.apollo:client', section: 'dependencies', property: 'project.version', note: "the project's own version (${project.version})" },
      { name: 'dev.apollo:other', section: 'dependencies', property: 'undefined.version', note: 'property undefined.version is not defined in this pom.xml' },
    ]);
    expect(() => readPom('<html/>')).toThrow('pom.xml has no <project> element');
  });

  it('rewrites versions where they are written; a shared property only when all its users move together', () => {
    // Act
    const result = rewritePom(POM, [
      { name: 'org.springframework.boot:spring-boot-starter-parent', from: '3.3.4', to: '3.4.1' },
      { name: 'org.postgresql:postgresql', from: '42.7.2', to: '42.7.4' },
      { name: 'org.mapstruct:mapstruct', from: '1.5.5.Final', to: '1.6.3' },
      { name: 'org.testcontainers:postgresql', from: '1.19.7', to: '1.20.4' },
    ]);

    // Assess
    expect(result.text).toBe(POM
      .replace('<version>3.3.4</version>', '<version>3.4.1</version>')
      .replace('<postgresql.version> 42.7.2 </postgresql.version>', '<postgresql.version> 42.7.4 </postgresql.version>')
      .replace('<version>1.5.5.Final</version>', '<version>1.6.3</version>'));
    expect(result.applied.map((c) => c.name)).toEqual(['org.springframework.boot:spring-boot-starter-parent', 'org.postgresql:postgresql', 'org.mapstruct:mapstruct']);
    expect(result.skipped).toEqual([{ change: expect.objectContaining({ name: 'org.testcontainers:postgresql' }), reason: 'property tc.version is shared with org.testcontainers:kafka, which would not move to 1.20.4: update it by hand' }]);

    const together = rewritePom(POM, [
      { name: 'org.testcontainers:postgresql', from: '1.19.7', to: '1.20.4' },
      { name: 'org.testcontainers:kafka', from: '1.19.7', to: '1.20.4' },
    ]);
    expect(together.text).toBe(POM.replace('<tc.version>1.19.7</tc.version>', '<tc.version>1.20.4</tc.version>'));
    expect(together.applied).toHaveLength(2);
  });

  it('skips a change whose version is not written as given', () => {
    const result = rewritePom(POM, [{ name: 'org.postgresql:postgresql', from: '42.7.1', to: '42.7.4' }]);
    expect(result).toEqual({ text: POM, applied: [], skipped: [{ change: { name: 'org.postgresql:postgresql', from: '42.7.1', to: '42.7.4' }, reason: 'org.postgresql:postgresql 42.7.1 is not written in pom.xml' }] });
  });
});
