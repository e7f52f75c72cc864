"""PlatformIO extra script (pre:) for the bare-metal nucleo_f446re env.

platformio.ini's build_flags only reach the compiler, and the bare ststm32
builder adds no floating-point ABI of its own. startup.c turns the FPU on and
firmware/Makefile builds with the hard-float ABI, so the same flags have to
reach the assembler and, above all, the link, where they pick the hard-float
libc and libgcc (mixing ABIs fails with "uses VFP register arguments").
-nostartfiles keeps crt0 out: Reset_Handler in hal/stm32f4/startup.c is the
entry. The specs files mirror the Makefile's link line.

Runs inside PlatformIO's SCons, which provides Import(). Not used by make.
"""

Import("env")  # noqa: F821 - SCons builtin in extra scripts

HARD_FLOAT = ["-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]

if env["PIOENV"] == "nucleo_f446re":  # noqa: F821
    env.Append(  # noqa: F821
        CCFLAGS=HARD_FLOAT,
        ASFLAGS=HARD_FLOAT,
        LINKFLAGS=HARD_FLOAT + ["-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs"],
    )
