namespace InitLab.Nn;

/// <summary>The activations <see cref="Activations"/> can create, for programs that choose one without a string.</summary>
public enum ActivationKind
{
    /// <summary>max(x, 0): <see cref="Nn.Relu"/>.</summary>
    Relu,

    /// <summary>x for x &gt; 0, slope·x otherwise: <see cref="Nn.LeakyRelu"/>.</summary>
    LeakyRelu,

    /// <summary>1 / (1 + e^-x): <see cref="Nn.Sigmoid"/>.</summary>
    Sigmoid,

    /// <summary>tanh(x): <see cref="Nn.Tanh"/>.</summary>
    Tanh,

    /// <summary>scale·(x for x &gt; 0, α(eˣ−1) otherwise): <see cref="Nn.Selu"/>.</summary>
    Selu,

    /// <summary>x for x &gt; 0, a·x otherwise with a learnable a: <see cref="Nn.PRelu"/>.</summary>
    PRelu,
}
