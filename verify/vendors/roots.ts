/**
 * The vendor roots Fleetproof pins by default, as published by each vendor, with their SHA-256 fingerprints
 * (verify/vendors/vendors.test.ts checks them against the copies under tests/data/vectors/hsm/). A caller may pin
 * others instead (`fleetproof check-attestation --roots DIR`).
 * - AWS Nitro Enclaves root G1 (P-384, 2019–2049): https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip
 * - Yubico YubiHSM Root CA (RSA-4096, 2017–2071): Yubico developer documentation, YubiHSM 2 attestation
 * - Marvell LiquidSecurity root, reissued 2024 with the 2015 root's name and key (valid to 2034): Marvell's
 *   liquid_security_certificate.zip
 * - Google "Hawksbill Root v1 prod" (RSA-2048, 2017–2030): the owner root of Google Cloud HSM attestations.
 */
import { decodePemCertificates } from './x509.ts';
import type { PinnedRootInput } from './claim.ts';

export interface KnownRoot {
  id: string;
  vendor: string;
  /** Lowercase hex SHA-256 of the DER certificate. */
  fingerprint: string;
  pem: string;
}

export const KNOWN_ROOTS: KnownRoot[] = [
  {
    id: 'aws-nitro-enclaves-root-g1',
    vendor: 'AWS',
    fingerprint: '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b',
    pem: `-----BEGIN CERTIFICATE-----
MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
IwLz3/Y=
-----END CERTIFICATE-----`,
  },
  {
    id: 'yubico-yubihsm-root-ca',
    vendor: 'Yubico',
    fingerprint: '094a3ac493c2bdcd65a54bdf40190f52bb03f7156397a3fc69d8aa9a392fb724',
    pem: `-----BEGIN CERTIFICATE-----
MIIFBzCCAu+gAwIBAgIEHM6S6zANBgkqhkiG9w0BAQsFADAhMR8wHQYDVQQDDBZZ
dWJpY28gWXViaUhTTSBSb290IENBMCAXDTE3MDEwMTAwMDAwMFoYDzIwNzExMDA1
MDAwMDAwWjAhMR8wHQYDVQQDDBZZdWJpY28gWXViaUhTTSBSb290IENBMIICIjAN
BgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA4WqC8Krz1pXqgD4Bj3g/dosh/soy
dDCbNQ1uePeONXO5u4Kswi+jXPmcU9uqxIrNC6+t7Mwc+yyBAZBvIl6w+h5qwT7z
E7VTjeWBTP/4w0NXzgkPZgXWl6XIZNCJQfSSUxfh/NW7KCQySpDUGkR8hFHYwZTI
UD90/chv7lc1zcpaIgJDQ7m3IbPKKbaRrrc7ZUSB1cCFM7P6ESuJiTMKITNTMyW2
qoa8YTaAxHXIiiqmnff2ObtsPKtjfh8aHDdBdpZ8TqBCu8ht+3tpZpe2lnfqJBUG
N9wqIp+h1JLaKXN4NTr+VlUNEEGwMEJNKMtt3p1qxHmyHV4vSd5mOT4SY81MNL0C
v3HAHgR1lT7o8rMDTjB1PZP9v8Np2rpuvlog34eMsIBApP78zSjQrImQiHAYcADc
RZX6nSTOFyNdfjWtKxybdiFZpTpuLtGPwF7i3ISYQXambmaEqw83jCqIMMF4jFMk
KjA8UZnJRW+53pM5Gy6hQzhlJpwhE9d/L87VeR2ei0sidO1rDB9pQOdy9z41EBw4
pH5Aa99CPcOn16Eg4TS5838as2pG3xFgWBiVxipMW72pejBD5G5kk/hpbOW5QO6v
aXBLmngq4o3IySmM9J9IPRXuZrhmu2uafIvp3o67/lUcuqGEnxjG+Sj5q51g12E6
sVXauoxqhGOhllcCAwEAAaNFMEMwHQYDVR0OBBYEFFKoA9OFueJx/kakn9SHmy3/
yIycMBIGA1UdEwEB/wQIMAYBAf8CAQIwDgYDVR0PAQH/BAQDAgEGMA0GCSqGSIb3
DQEBCwUAA4ICAQBRyFzKyZYRnr8lWRHI8asrOMm7HMETWE4HziCYlrZkZNp2EVdy
ZFgzJqIwXI9hrYp1CWnow86rUhFjAdgGhhG/wEvyX97G0xPsNS3x77uF4RpNe7ry
44PcwXJWqo8JhdNCbSAVR+Tqm/k/WF7A+qflevS4K4G7ADlm0W41FBpehYMynC/G
3ykOtBTfLkOfeoJbTlhhwe7z3Oq9V7O+whTgUoeCKYW14d9xnmVM1uJvHcGl+fO3
9kgYfTsNwdJFVy/9Xq4b3QXpQSQ71JhL58JIpnkLqd5Utf4K1jAFu/bQQMWpdghw
S8D9kfnV/tpJ6lXtxMrjVtF0BO1EPvNv+nWeRog794KkID+KGIL+eF7lDpYe8rrV
aqB1wZJ9mPeqJBtD5T8E5FhuOzBBeM3sVh0d8OVh8P0QLhBVYAU23S99PRkb3hgx
gQ7gK8wdMaCekYG1Dw6i7TMVhDQd/ZRuo6vmyhtDrzVLc5eTwHpzba+OyDza/24s
kakyoyKReuLlpMby4WhuhTzptROImNmQpeSfEM6w2aJpsIO8BFVBkZSJCtHEfBgO
/QLNr17cvMmOIwFLAeHiWlgSWTrHOD/8O95d5iXrtXzOf2iPGA26JczJSeLjvnAA
tHEbofSLGYZdgbQ8mQpXzkBsuvX/wpDiDvB4mIfjDWQv9hgo0edbkRUhEA==
-----END CERTIFICATE-----`,
  },
  {
    id: 'marvell-liquidsecurity-root-2034',
    vendor: 'Marvell',
    fingerprint: '230143df00e0b452743e068a5b3fc08df8f06cefc4854ea627aeb7ebd70ee2f4',
    pem: `-----BEGIN CERTIFICATE-----
MIIDvzCCAqegAwIBAgIBADANBgkqhkiG9w0BAQsFADCBkTELMAkGA1UEBhMCVVMx
EzARBgNVBAgMCkNhbGlmb3JuaWExETAPBgNVBAcMCFNhbiBKb3NlMRUwEwYDVQQK
DAxDYXZpdW0sIEluYy4xFzAVBgNVBAsMDkxpcXVpZFNlY3VyaXR5MSowKAYDVQQD
DCFsb2NhbGNhLmxpcXVpZHNlY3VyaXR5LmNhdml1bS5jb20wHhcNMjQwNzI1MjAy
OTIwWhcNMzQwNzIzMjAyOTIwWjCBkTELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNh
bGlmb3JuaWExETAPBgNVBAcMCFNhbiBKb3NlMRUwEwYDVQQKDAxDYXZpdW0sIElu
Yy4xFzAVBgNVBAsMDkxpcXVpZFNlY3VyaXR5MSowKAYDVQQDDCFsb2NhbGNhLmxp
cXVpZHNlY3VyaXR5LmNhdml1bS5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw
ggEKAoIBAQDckvqQM4cvZjdyqOLGMTjKJwvfxJOhVqw6pojgUMz10VU7z3CtJrwH
cESwEDUxUkMxzof55kForURLaVVCjedYauEisnZwwSWkAemp9GREm8iX6BXtoZ8V
DWoO2H0AJiHCM62qJeZVXhm8A/zWG0PyLrCINH0yz9ah6BcwdsZGLvQvkpUNJhwV
Mrb9nI9BlRmTWhoot1YSTf7jfibEkc/pN+0Ez30RFaL3MhyIaNJS22+10tny4sOU
TsPEtXKah5mPlHpnrGcB18z5Yxgr0vDNYx+FCPGo95XGrq9NYfNMlwsSeFSr8D1V
Q7HZmipeTB1hQTUQw/K/Rmtw5NiljkYTAgMBAAGjIDAeMA4GA1UdDwEB/wQEAwIC
hDAMBgNVHRMEBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQCYlr7aeTnbRfPJGc5Q
5LEVreY91mp0e5KN331iG3DXQ6x07RMY4PPN+MvVgIPD21Ix6Xtp6Vj9VcsBpV7h
+6X69s79Ix8j0XV+6+AnrLuftjUjNw7iI9shOYa9aSTg/R6YpwwpXH+L3SZZ+VEF
yBg5gM7az0aJvuF48fSxNNwel11VC6xkrUFTuzI13GqYe+2rWhc/4TWvs1PpSzA0
K0W7KYFX2jhGi7H1uOrVneJiaVgD9bgIao/UaQabjlLT62wE9DegpdKPOHbIiQp5
XOV1rIP/pAWSSiyY7BB7c1acC/3ucDoSjTNUEsVIk3Zsm2jiUy0XC/rZTxaZkHaH
Bux7
-----END CERTIFICATE-----`,
  },
  {
    id: 'google-hawksbill-root-v1-prod',
    vendor: 'Google',
    fingerprint: '46b5fd351d56a0721ca0afcd1731c0f7b74e3941eb818bfd0ec36e29df0de095',
    pem: `-----BEGIN CERTIFICATE-----
MIIDjTCCAnWgAwIBAgIBAzANBgkqhkiG9w0BAQsFADBoMQswCQYDVQQGEwJVUzEL
MAkGA1UECAwCQ0ExFjAUBgNVBAcMDU1vdW50YWluIFZpZXcxEzARBgNVBAoMCkdv
b2dsZSBJbmMxHzAdBgNVBAMMFkhhd2tzYmlsbCBSb290IHYxIHByb2QwHhcNMTcw
NzAxMDAwMDAwWhcNMzAwMTAxMDAwMDAwWjBoMQswCQYDVQQGEwJVUzELMAkGA1UE
CAwCQ0ExFjAUBgNVBAcMDU1vdW50YWluIFZpZXcxEzARBgNVBAoMCkdvb2dsZSBJ
bmMxHzAdBgNVBAMMFkhhd2tzYmlsbCBSb290IHYxIHByb2QwggEiMA0GCSqGSIb3
DQEBAQUAA4IBDwAwggEKAoIBAQCsLqhiiSGgcJLfsI7Dk00mONulol9rHm2obCyD
1lua+AKg+LAW+1zauZu5i028FSbgDk8vtSBDHDF+XsFnqTbIGV7Ctai2lnaQe1UV
TVMWEPBi1diYGceeDrJpJqPz2aXTcIghrGISeyq+IC4z25uQp7G/D8AResKYqYxN
NqcfZlMIk0s6Eh4aPyvCXYtLl9QXD0GDJ6nz4NmC+Fw31B5d5Kg9WXxDZOYC1zU5
9JXbdxxzeC/EJo1k1AHghto/J8edvTIl5NQ0ahOHKoUZzhhDRsVBioFmymVuwaHO
cXTUsHe3NTkNyeLIfoFpsQQ4XcH9kjO67YXTkdCWeNYw/FYZAgMBAAGjQjBAMA8G
A1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgGGMB0GA1UdDgQWBBQx6FLf4Un4
Ent8budOkXqXdbyorjANBgkqhkiG9w0BAQsFAAOCAQEAjxKOjnr7WYKoD+a+uAld
F8iOwTrHpFLUDS6sqFyx9FLut8Qlmioy/JE9uima7cjeH3U5VBbRcnTglaDiQTac
+JXCIRApEl9N0bDhoVvFeTzRI8nJdMJCWPobNXV3MHpYsgfgzewh4lFUWQghvscF
325VgSEN0a1hgXcnPr05gd+9kTI9zF3r3vyncyYvzYincGX0NQaz1gJW4brm1W+w
TbWVy8Y0o6c1eZm7v8sHoNSg3vIs6JsnQ8bAXK5i2qO/AXZQu25wH1aPQct8QdGw
x2JBsjEjmWpHuBDAXPCesD5cu9UzzDgcpdwmi7Xidl74kj3f/HgrOeimRdOb8lG5
/A==
-----END CERTIFICATE-----`,
  },
];

/** The default pinned roots, as the adapters take them. */
export function knownRoots(): PinnedRootInput[] {
  return KNOWN_ROOTS.map((r) => ({ id: r.id, der: decodePemCertificates(r.pem)[0]! }));
}
