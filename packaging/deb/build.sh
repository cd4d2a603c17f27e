#!/bin/sh
# build.sh STAGE VERSION RAW_TOOLS OUTDIR: turns the tree `make install
# DESTDIR=STAGE PREFIX=/usr` staged into gnetutils_VERSION_ARCH.deb in OUTDIR.
#
# dpkg-deb rather than nfpm: dpkg-deb is part of dpkg, on every Debian
# machine, so `make deb` needs no download and no tool of our own; and the
# package is exactly the tree make install writes, so the package and
# make install cannot disagree about what goes where (nfpm would describe
# every file again in its own YAML). What nfpm would add is done here in
# a few lines: the control file, the compressed man pages and changelogs,
# md5sums.
set -eu

stage=$1 version=$2 raw_tools=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
arch=${DEB_ARCH:-$(dpkg --print-architecture)}
maintainer=${DEB_MAINTAINER:-"$(git config user.name 2>/dev/null || echo gnetutils) <$(git config user.email 2>/dev/null || echo gnetutils@localhost)>"}
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
doc=$stage/usr/share/doc/gnetutils

# Debian policy: man pages and changelogs compressed with gzip -9n.
find "$stage/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9nf {} +
install -d "$doc"
install -m 0644 "$here/copyright" "$doc/copyright"
gzip -9n < "$here/../../CHANGELOG.md" > "$doc/changelog.gz"
printf '%s\n\n  * %s\n\n -- %s  %s\n' \
	"gnetutils ($version-1) unstable; urgency=medium" \
	"Built from the gnetutils source tree by make deb; see changelog.gz." \
	"$maintainer" "$date" | gzip -9n > "$doc/changelog.Debian.gz"
chmod 0644 "$doc"/*.gz
install -D -m 0644 "$here/lintian-overrides" "$stage/usr/share/lintian/overrides/gnetutils"

install -d -m 0755 "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version-1/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
	-e "s|@MAINTAINER@|$maintainer|" "$here/control" > "$stage/DEBIAN/control"
sed -e "s/@RAW_TOOLS@/$raw_tools/" "$here/postinst" > "$stage/DEBIAN/postinst"
chmod 0755 "$stage/DEBIAN/postinst"
(cd "$stage" && find usr -type f -exec md5sum {} + | sort -k2) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$stage" "$out/gnetutils_${version}-1_${arch}.deb"
