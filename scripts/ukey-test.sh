#!/usr/bin/env bash
# Test UKeys for the UKey drivers, on real interfaces:
#   scripts/ukey-test.sh setup DIR
# - test CAs (openssl): an SM2 CA (SM3, default user ID) and an ECDSA P-256 CA;
# - SoftHSM2 tokens (SOFTHSM2_CONF=DIR/softhsm2.conf) whose key pairs are generated on the
#   token and whose certificates are issued by the ECDSA CA for the token's public key:
#     clerk-ecdsa   ECDSA P-256, 张三 (valid)
#     clerk-rsa     RSA 2048,    李四 (valid)
#     clerk-unbound ECDSA P-256, 王五 (valid, bound to no account)
#     clerk-expired ECDSA P-256, 赵六 (expired in 2021)
#   user PIN 123456, SO PIN 87654321;
#   and a department seal token (电子印章, A7): seal-ecdsa, ECDSA P-256, 某市公安局 (valid),
#   its own seal PIN 111111;
# - the SKF simulator (drivers/testkeys/skf-sim, built here) provisioned with an SM2 key and
#   a certificate for 钱七 from the SM2 CA; user PIN 12345678, 6 tries;
# - a second simulated SKF key, the department's seal UKey (its own state file, device
#   YCSIM-SEAL-01, application YC_SEAL_APP / container YC_SEAL_CON): an SM2 signing
#   certificate for 某市市场监督管理局 from the SM2 CA, seal PIN 111111 (the seed's initial
#   「6 个 1」), 6 tries. The library serves every key whose state file YICHUANG_SKF_SIM_STATE
#   lists (a path list, ':' on Unix): both keys at once with "$STATE:$SEAL_STATE".
# The last lines are `NAME=value` pairs to export (module paths, state file, PINs).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

usage() { echo "usage: $0 setup DIR" >&2; exit 2; }
[ "${1:-}" = setup ] && [ -n "${2:-}" ] || usage
DIR="$2"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

PKCS11_MODULE="${PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
for tool in openssl softhsm2-util pkcs11-tool; do
  command -v "$tool" >/dev/null || { echo "ukey-test: $tool not found (run scripts/setup.sh)" >&2; exit 1; }
done
[ -f "$PKCS11_MODULE" ] || { echo "ukey-test: $PKCS11_MODULE not found (softhsm2)" >&2; exit 1; }

USER_PIN=123456
SO_PIN=87654321
SKF_PIN=12345678
SEAL_PIN=111111
ID=1234567812345678
cd "$DIR"
rm -rf tokens ca skf ./*.conf
mkdir -p tokens ca skf

# --- CAs -------------------------------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca/ecdsa-ca.key 2>/dev/null
openssl req -x509 -new -key ca/ecdsa-ca.key -sha256 -days 3650 -utf8 \
  -subj "/C=CN/O=一窗受理测试/CN=一窗受理测试ECDSA根CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca/ecdsa-ca.pem
openssl genpkey -algorithm SM2 -out ca/sm2-ca.key
openssl req -x509 -new -key ca/sm2-ca.key -sm3 -sigopt "distid:$ID" -days 3650 -utf8 \
  -subj "/C=CN/O=一窗受理测试/CN=一窗受理测试SM2根CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca/sm2-ca.pem

printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=clientAuth\n' > ca/clerk.ext
# `openssl ca` for the expired certificate (x509 -req in OpenSSL 3.0 has no start date).
: > ca/index.txt
echo 1000 > ca/serial
mkdir -p ca/new
cat > ca/ca.conf <<EOF
[ca]
default_ca = test
[test]
database = $DIR/ca/index.txt
new_certs_dir = $DIR/ca/new
serial = $DIR/ca/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF

# --- SoftHSM2 tokens -------------------------------------------------------------------
cat > softhsm2.conf <<EOF
directories.tokendir = $DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
export SOFTHSM2_CONF="$DIR/softhsm2.conf"

# TOKEN_PIN / TOKEN_EXT: the user PIN and certificate extensions of the next token.
TOKEN_PIN=$USER_PIN
TOKEN_EXT=ca/clerk.ext
pk11() { pkcs11-tool --module "$PKCS11_MODULE" --token-label "$1" --login --pin "$TOKEN_PIN" "${@:2}" >/dev/null; }

# token LABEL KEYTYPE CN [expired]
# Valid certificates: the key pair is generated on the token; the request is signed by a
# throwaway key and the certificate gets the token's public key (-force_pubkey).
# The expired one: `openssl ca` sets past dates but cannot swap the public key, so that
# token gets a software key imported with its certificate.
token() {
  local label=$1 keytype=$2 cn=$3 expired=${4:-}
  softhsm2-util --init-token --free --label "$label" --so-pin "$SO_PIN" --pin "$TOKEN_PIN" >/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "ca/$label.tmp.key" 2>/dev/null
  openssl req -new -key "ca/$label.tmp.key" -utf8 -subj "/C=CN/O=某市政务服务中心/CN=$cn" \
    -out "ca/$label.csr"
  if [ -z "$expired" ]; then
    pk11 "$label" --keypairgen --key-type "$keytype" --id 01 --label clerk --usage-sign
    pkcs11-tool --module "$PKCS11_MODULE" --token-label "$label" \
      --read-object --type pubkey --id 01 -o "ca/$label.pub.der" >/dev/null
    openssl pkey -pubin -inform DER -in "ca/$label.pub.der" -out "ca/$label.pub.pem"
    openssl x509 -req -in "ca/$label.csr" -CA ca/ecdsa-ca.pem -CAkey ca/ecdsa-ca.key \
      -CAcreateserial -force_pubkey "ca/$label.pub.pem" -days 365 -sha256 \
      -extfile "$TOKEN_EXT" -out "ca/$label.pem" 2>/dev/null
  else
    openssl ca -batch -config ca/ca.conf -cert ca/ecdsa-ca.pem -keyfile ca/ecdsa-ca.key \
      -in "ca/$label.csr" -out "ca/$label.pem" -notext -extfile ca/clerk.ext \
      -startdate 20200101000000Z -enddate 20210101000000Z 2>/dev/null
    openssl pkey -in "ca/$label.tmp.key" -outform DER -out "ca/$label.key.der"
    openssl pkey -in "ca/$label.tmp.key" -pubout -outform DER -out "ca/$label.pub.der"
    pk11 "$label" --write-object "ca/$label.key.der" --type privkey --id 01 --label clerk --usage-sign
    pk11 "$label" --write-object "ca/$label.pub.der" --type pubkey --id 01 --label clerk
  fi
  openssl x509 -in "ca/$label.pem" -outform DER -out "ca/$label.der"
  pk11 "$label" --write-object "ca/$label.der" --type cert --id 01 --label clerk
  rm -f "ca/$label.tmp.key" "ca/$label.key.der"
}
token clerk-ecdsa EC:prime256v1 张三
token clerk-rsa rsa:2048 李四
token clerk-unbound EC:prime256v1 王五
token clerk-expired EC:prime256v1 赵六 expired
# The department seal: a document-signing certificate, no client authentication.
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' > ca/seal.ext
TOKEN_PIN=$SEAL_PIN TOKEN_EXT=ca/seal.ext
token seal-ecdsa EC:prime256v1 某市公安局
TOKEN_PIN=$USER_PIN TOKEN_EXT=ca/clerk.ext

# --- SKF simulator ---------------------------------------------------------------------
openssl genpkey -algorithm SM2 -out skf/clerk.key
openssl req -new -key skf/clerk.key -sm3 -sigopt "distid:$ID" -utf8 \
  -subj "/C=CN/O=某市政务服务中心/CN=钱七" -out skf/clerk.csr
openssl x509 -req -in skf/clerk.csr -CA ca/sm2-ca.pem -CAkey ca/sm2-ca.key -CAcreateserial \
  -sm3 -sigopt "distid:$ID" -vfyopt "distid:$ID" -days 365 -extfile ca/clerk.ext \
  -out skf/clerk.pem 2>/dev/null
openssl x509 -in skf/clerk.pem -outform DER -out skf/clerk.der

# The simulator's CLI and library: a given build (UKEY_SKF_SIM_BIN, e.g. the release one that
# `make app` has just built, as `make run` passes it), else a debug build made here.
if [ -n "${UKEY_SKF_SIM_BIN:-}" ]; then
  SIM_BIN="$UKEY_SKF_SIM_BIN"
  [ -x "$SIM_BIN" ] || { echo "ukey-test: $SIM_BIN not found" >&2; exit 1; }
else
  SIM_BIN="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | jq -r .target_directory)/debug/yichuang-skf-sim"
  [ -x "$SIM_BIN" ] || echo "ukey-test: building the SKF simulator (debug; the first build takes a few minutes)…" >&2
  (cd "$ROOT" && cargo build -q -p yichuang-skf-sim)
fi
"$SIM_BIN" --state "$DIR/skf/state.json" provision --key skf/clerk.key --cert skf/clerk.der \
  --pin "$SKF_PIN" --max-retries 6
SKF_LIB="$("$SIM_BIN" lib-path)"

# The seal UKey: its own key, certificate, application, container and PIN.
openssl genpkey -algorithm SM2 -out skf/seal.key
openssl req -new -key skf/seal.key -sm3 -sigopt "distid:$ID" -utf8 \
  -subj "/C=CN/O=某市市场监督管理局/CN=某市市场监督管理局" -out skf/seal.csr
openssl x509 -req -in skf/seal.csr -CA ca/sm2-ca.pem -CAkey ca/sm2-ca.key -CAcreateserial \
  -sm3 -sigopt "distid:$ID" -vfyopt "distid:$ID" -days 365 -extfile ca/seal.ext \
  -out skf/seal.pem 2>/dev/null
openssl x509 -in skf/seal.pem -outform DER -out skf/seal.der
"$SIM_BIN" --state "$DIR/skf/seal-state.json" provision --key skf/seal.key --cert skf/seal.der \
  --pin "$SEAL_PIN" --max-retries 6 --device-name YCSIM-SEAL-01 --serial YCSEAL0001 \
  --label 电子印章UKey --application YC_SEAL_APP --container YC_SEAL_CON

echo "ukey-test: tokens clerk-ecdsa clerk-rsa clerk-unbound clerk-expired seal-ecdsa, an SKF key and an SKF seal key in $DIR"
echo "SOFTHSM2_CONF=$DIR/softhsm2.conf"
echo "YICHUANG_PKCS11_MODULE=$PKCS11_MODULE"
echo "YICHUANG_PKCS11_PIN=$USER_PIN"
echo "YICHUANG_SKF_SIM_STATE=$DIR/skf/state.json"
echo "YICHUANG_SKF_SIM_BIN=$SIM_BIN"
echo "YICHUANG_SKF_LIB=$SKF_LIB"
echo "YICHUANG_SKF_PIN=$SKF_PIN"
echo "YICHUANG_SKF_SEAL_STATE=$DIR/skf/seal-state.json"
echo "YICHUANG_SEAL_PIN=$SEAL_PIN"
echo "YICHUANG_TEST_SM2_CA=$DIR/ca/sm2-ca.pem"
echo "YICHUANG_TEST_ECDSA_CA=$DIR/ca/ecdsa-ca.pem"
