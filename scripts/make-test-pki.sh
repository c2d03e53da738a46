#!/bin/sh
# Makes the test PKI in tests/fixtures/pki (committed; valid for 100 years):
#   ca.pem / ca.key               the test CA
#   server.pem / server.key       CN=localhost, SAN DNS:localhost, IP:127.0.0.1 (signed by ca)
#   server-wrong-name.pem / .key  CN=wrong.example, SAN DNS:wrong.example only (signed by ca)
#   client.pem / client.key       CN=wsat-client, clientAuth (signed by ca)
#   other-ca.pem / other-ca.key   an unrelated CA
#   other-client.pem / .key       CN=other-client (signed by other-ca)
# Usage: scripts/make-test-pki.sh [outdir]
set -eu
out=${1:-"$(dirname "$0")/../tests/fixtures/pki"}
mkdir -p "$out"
cd "$out"
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ca() { # name cn
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days $days -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$1.key" -out "$1.pem" 2>/dev/null
}

leaf() { # name cn ca extfile-lines
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=$2" -keyout "$1.key" -out "$tmp/$1.csr" 2>/dev/null
  printf '%b\n' "$4" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -CAserial "$tmp/$3.srl" \
    -days $days -sha256 -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}

ca ca "wsat test CA"
ca other-ca "wsat other CA"
leaf server localhost ca "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1"
leaf server-wrong-name wrong.example ca "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:wrong.example"
leaf client wsat-client ca "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
leaf other-client other-client other-ca "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
chmod 644 ./*.key ./*.pem
echo "test PKI written to $(pwd)"
