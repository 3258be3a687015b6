using System.Reflection;

namespace Yoi.AppHost.Topology;

/// <summary>Paths of the service assemblies, recorded at build time (see Yoi.AppHost.csproj).</summary>
internal static class ServiceBinaries
{
    public static string RuntimeService => Find("Yoi.RuntimeService");
    public static string BackendService => Find("Yoi.BackendService");

    private static string Find(string name)
    {
        var path = typeof(ServiceBinaries).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == name)?.Value
            ?? throw new InvalidOperationException($"The AppHost was built without the path of {name}.");
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{name} is not built at {path}; build the solution first.", path);
        return path;
    }
}
