using System.Reflection;

namespace Yoi.ServiceDefaults;

public static class ServiceVersion
{
    public static readonly string Current =
        typeof(ServiceVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}
