namespace Yoi.ServiceDefaults;
internal static class ServiceDefaultsPlaceholder;
