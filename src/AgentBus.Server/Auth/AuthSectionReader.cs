using AgentBus.Server.Hosting;

namespace AgentBus.Server.Auth;

/// <summary>
/// Binds <c>Server:Auth</c> strictly. The configuration binder silently leaves out a list entry that fails to bind
/// (a misspelt <c>Actions</c>, say), and a user missing a grant, or a user missing altogether, must not pass for what
/// was written: with <c>DefaultAllow</c> a user whose only grant was dropped would even be allowed everything.
/// </summary>
internal static class AuthSectionReader
{
    /// <summary>Binds <paramref name="section"/> into <paramref name="auth"/>; null when every entry bound, else what did not.</summary>
    public static string? Bind(IConfigurationSection section, ServerAuthOptions auth)
    {
        try
        {
            section.Bind(auth);
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }

        return Lost(section);
    }

    /// <summary>The first list entry of <paramref name="section"/> (users, their permissions) the binder would leave out, or null.</summary>
    public static string? Lost(IConfigurationSection section)
    {
        foreach (var user in section.GetSection(nameof(ServerAuthOptions.Users)).GetChildren())
        {
            // Each entry on its own: binding one alone throws what binding the list swallows.
            foreach (var permission in user.GetSection(nameof(AuthUser.Permissions)).GetChildren())
            {
                if (Failure<AuthPermission>(permission) is { } failure)
                {
                    return failure;
                }
            }

            var bound = new AuthUser();
            if (Failure(user, bound) is { } userFailure)
            {
                return userFailure;
            }
        }

        return null;
    }

    private static string? Failure<T>(IConfigurationSection entry)
        where T : class, new() => Failure(entry, new T());

    private static string? Failure<T>(IConfigurationSection entry, T target)
        where T : class
    {
        try
        {
            entry.Bind(target);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }
}
