using System.Globalization;

namespace Yoi.Tests.Processes;

/// <summary>Reads the kernel's TCP table (<c>/proc/net/tcp</c>, <c>tcp6</c>) to see which connections really exist.</summary>
public static class LoopbackConnections
{
    private const string Established = "01";

    /// <summary>Established connections whose local end is <paramref name="port"/> (a server's accepted sockets).</summary>
    public static int EstablishedTo(int port)
    {
        var count = 0;
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st ...; addresses are HEXIP:HEXPORT
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 4 || fields[3] != Established) continue;
                var local = fields[1];
                var localPort = int.Parse(local.AsSpan(local.LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (localPort == port) count++;
            }
        }
        return count;
    }
}
