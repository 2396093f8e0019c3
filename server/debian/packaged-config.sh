#!/bin/sh
# Writes the configuration the jasmine-server package installs as
# /etc/jasmine/jasmine-server.toml (a conffile): the example configuration, every
# setting at its default, with the package's paths. Fails if the example no longer has
# a line it changes, so that the two cannot drift apart unseen.
#   server/debian/packaged-config.sh server/jasmine-server.example.toml OUT
set -eu
example=$1
out=$2
mkdir -p "$(dirname "$out")"
for line in 'data_dir = "./data"' '# root_key = "..."' '# content_dir = "/srv/jasmine/content"'; do
  grep -qxF "$line" "$example" || { echo "packaged-config.sh: '$line' is no longer in $example" >&2; exit 1; }
done
{
  echo "# Installed by the jasmine-server package; your changes are kept on upgrade."
  echo "# docs/DEPLOY.md (/usr/share/doc/jasmine-server/DEPLOY.md) says what to set first:"
  echo "# the root key, the key bundle, [web] association_contact, then [onion] enabled."
  echo
  sed -e 's|^data_dir = "./data"$|data_dir = "/var/lib/jasmine"|' \
      -e 's|^# root_key = "..."$|root_key_file = "/etc/jasmine/root.pub"|' \
      -e 's|^# content_dir = "/srv/jasmine/content"$|content_dir = "/usr/share/jasmine/content"|' \
      "$example"
} > "$out"
