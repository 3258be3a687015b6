using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using StackExchange.Redis;
using Yoi.EventLog;
using Yoi.EventLog.Redis;
using Yoi.Protocol.Cursors;

namespace Yoi.Tests.EventLog.Redis;

/// <summary>The event log over TLS (<c>ssl=true</c> in the connection string) against a real redis-server with a certificate the test made.</summary>
public sealed class RedisTlsTests
{
    [Fact]
    public async Task Tls_connection_with_a_pinned_certificate_appends_and_reads()
    {
        using var tls = TlsFiles.Create();
        await using var server = await RedisServerProcess.StartAsync(tls.ServerArgs);
        var options = ConfigurationOptions.Parse($"127.0.0.1:{server.Port},ssl=true,sslHost=127.0.0.1");
        options.CertificateValidation += (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHashString() == tls.Thumbprint;

        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var log = new RedisEventLog(redis);
        var id = await log.AppendAsync("tls:s", "{\"n\":1}"u8.ToArray(), StreamRetention.Unbounded, TestContext.Current.CancellationToken);
        Assert.Equal(id, Assert.Single(await log.ReadAfterAsync("tls:s", StreamCursor.Zero, 10, TestContext.Current.CancellationToken)).Cursor);
    }

    [Fact]
    public async Task Tls_connection_to_an_untrusted_certificate_fails_with_a_connection_error()
    {
        using var tls = TlsFiles.Create();
        await using var server = await RedisServerProcess.StartAsync(tls.ServerArgs);
        var options = ConfigurationOptions.Parse($"127.0.0.1:{server.Port},ssl=true,connectTimeout=3000");

        await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(options));
    }

    /// <summary>A self-signed certificate for 127.0.0.1 written as PEM files, and the redis-server TLS arguments.</summary>
    private sealed class TlsFiles : IDisposable
    {
        private readonly DirectoryInfo _dir;

        private TlsFiles(DirectoryInfo dir, string thumbprint)
        {
            _dir = dir;
            Thumbprint = thumbprint;
        }

        public string Thumbprint { get; }

        /// <summary>TLS only: the plain port is switched off and the fixture's port becomes the TLS port.</summary>
        public string[] ServerArgs =>
        [
            "--tls-port", "{port}", "--port", "0",
            "--tls-cert-file", Path.Combine(_dir.FullName, "cert.pem"),
            "--tls-key-file", Path.Combine(_dir.FullName, "key.pem"),
            "--tls-ca-cert-file", Path.Combine(_dir.FullName, "cert.pem"),
            "--tls-auth-clients", "no",
        ];

        public static TlsFiles Create()
        {
            var dir = Directory.CreateTempSubdirectory("yoi-tls-");
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(dir.FullName, "cert.pem"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir.FullName, "key.pem"), key.ExportPkcs8PrivateKeyPem());
            return new TlsFiles(dir, certificate.GetCertHashString());
        }

        public void Dispose() => _dir.Delete(recursive: true);
    }
}
