using Yoi.Client;

namespace Yoi.Cli;

/// <summary>What <c>yoi</c> exits with (docs/cli.md): scripts can tell what failed without reading the message.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Anything unexpected (a bug, a malformed answer).</summary>
    public const int Failed = 1;
    /// <summary>The command line is wrong (unknown command or option, bad URL, bad cursor).</summary>
    public const int Usage = 2;
    /// <summary>The Backend could not be reached (connection refused, DNS, timeout).</summary>
    public const int Unreachable = 3;
    /// <summary>401 / 403 or a 4403 close: no key, a wrong key, or a key that may not do this.</summary>
    public const int Denied = 4;
    /// <summary>404 or a 4404 close: no such runtime or worker.</summary>
    public const int NotFound = 5;
    /// <summary>409: the worker is busy (<c>already_running</c>), not running, or stopped.</summary>
    public const int Conflict = 6;
    /// <summary>The runtime or the event log behind the Backend failed (502, 503, 504, 501).</summary>
    public const int RuntimeFailed = 7;
    /// <summary>The followed run ended, but not <c>finished</c> (<c>failed</c>, <c>cancelled</c>, <c>limit_reached</c>).</summary>
    public const int RunNotFinished = 8;
    /// <summary>Other 4xx answers (an invalid request the Backend refused).</summary>
    public const int Rejected = 9;

    public static int For(YoiApiException e) => e.Status switch
    {
        401 or 403 => Denied,
        404 => NotFound,
        409 => Conflict,
        >= 500 => RuntimeFailed,
        >= 400 => Rejected,
        _ => Failed,
    };

    /// <summary>How an observation that ended by the server's close went.</summary>
    public static int ForClose(System.Net.WebSockets.WebSocketCloseStatus? status) => (int?)status switch
    {
        null or 1000 or 1001 => Ok,
        4400 or 1009 => Usage,
        4403 => Denied,
        4404 => NotFound,
        _ => Failed,
    };
}
