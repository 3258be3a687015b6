using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Yoi.EventLog.Redis;

/// <summary>Opens the byte stream to the server: TCP with Nagle off, wrapped in TLS when <c>ssl=true</c>.</summary>
internal static class RedisTransport
{
    public static async Task<Stream> ConnectAsync(RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Ssl)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = options.SslHost ?? options.Host,
                        RemoteCertificateValidationCallback = options.CertificateValidation,
                    }, timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }
            return stream;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RedisConnectionException(
                $"Timed out connecting to {options.Host}:{options.Port} after {options.ConnectTimeout.TotalMilliseconds:0} ms.");
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException)
        {
            socket.Dispose();
            throw new RedisConnectionException($"Could not connect to {options.Host}:{options.Port}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
