// Runs s3rver in its own process. It needs Node's --openssl-legacy-provider: s3rver encrypts its list
// continuation tokens with DES, which OpenSSL 3 only offers through the legacy provider.
const S3rver = require('s3rver');

const options = JSON.parse(process.argv[2]);
new S3rver(options).run().then(
  () => process.stdout.write('listening\n'),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => process.exit(0));
