/**
 * A throwaway TLS PKI for the fetch tests, made with the test PKI's DER helpers: a CA, a server
 * certificate for localhost and 127.0.0.1 and a client certificate (mutual TLS), all P-256, as PEM.
 */
import * as der from '../helpers/pki/der.js'
import { generateP256KeyPair, type KeyPair } from '../helpers/pki/keys.js'
import { basicConstraintsCA, OID, signCertificate, tbsCertificate, toPEM, type Extension } from '../helpers/pki/x509.js'

export interface TlsPki {
  caPEM: string
  server: { cert: string; key: string }
  client: { cert: string; key: string }
}

const DAY_MS = 86_400_000

function certificate(subject: string, keys: KeyPair, issuer: { name: string; keys: KeyPair }, extensions: Extension[]): string {
  const now = Date.now()
  const tbs = tbsCertificate({
    issuer: { commonName: issuer.name },
    subject: { commonName: subject },
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + DAY_MS),
    spki: keys.spki,
    extensions,
  })
  return toPEM(signCertificate(tbs, issuer.keys.privateKey))
}

const keyPEM = (keys: KeyPair) => keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

export function createTlsPki(): TlsPki {
  const ca = { name: 'verify-deps fetch test CA', keys: generateP256KeyPair() }
  const serverKeys = generateP256KeyPair()
  const clientKeys = generateP256KeyPair()
  // subjectAltName: dNSName [2] localhost, iPAddress [7] 127.0.0.1.
  const loopback: Extension = { oid: OID.subjectAltName, value: der.sequence(der.implicit(2, Buffer.from('localhost')), der.implicit(7, Buffer.from([127, 0, 0, 1]))) }
  return {
    caPEM: certificate(ca.name, ca.keys, ca, [basicConstraintsCA(0)]),
    server: { cert: certificate('127.0.0.1', serverKeys, ca, [loopback]), key: keyPEM(serverKeys) },
    client: { cert: certificate('verify-deps test client', clientKeys, ca, []), key: keyPEM(clientKeys) },
  }
}
