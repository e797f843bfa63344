namespace InitLab;

/// <summary>
/// Input from the user (a configuration value, a file, an option) that the library cannot use.
/// The message says what was wrong and where, in words a user can act on; front ends print it
/// without a stack trace. Internal faults keep their own exception types, so a bug is not
/// mistaken for bad input (a sweep records bad input as an invalid run and crashes on a bug).
/// </summary>
public class UserInputException : Exception
{
    /// <summary>An input error with a message for the user.</summary>
    public UserInputException(string message) : base(message) { }

    /// <summary>An input error with a message for the user and the fault that revealed it.</summary>
    public UserInputException(string message, Exception inner) : base(message, inner) { }
}
