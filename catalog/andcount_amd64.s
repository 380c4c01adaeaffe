#include "textflag.h"

// func andCountPOPCNT(b, o []uint64) int
// Four words a turn into four sums, then the words left over.
TEXT ·andCountPOPCNT(SB), NOSPLIT, $0-56
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	MOVQ o_base+24(FP), DI
	XORQ AX, AX
	XORQ DX, DX
	XORQ R8, R8
	XORQ R9, R9
	CMPQ CX, $4
	JLT  rest

four:
	MOVQ    (SI), R10
	ANDQ    (DI), R10
	POPCNTQ R10, R10
	ADDQ    R10, AX
	MOVQ    8(SI), R11
	ANDQ    8(DI), R11
	POPCNTQ R11, R11
	ADDQ    R11, DX
	MOVQ    16(SI), R12
	ANDQ    16(DI), R12
	POPCNTQ R12, R12
	ADDQ    R12, R8
	MOVQ    24(SI), R13
	ANDQ    24(DI), R13
	POPCNTQ R13, R13
	ADDQ    R13, R9
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $4, CX
	CMPQ    CX, $4
	JGE     four

rest:
	TESTQ CX, CX
	JEQ   done

one:
	MOVQ    (SI), R10
	ANDQ    (DI), R10
	POPCNTQ R10, R10
	ADDQ    R10, AX
	ADDQ    $8, SI
	ADDQ    $8, DI
	DECQ    CX
	JNZ     one

done:
	ADDQ DX, AX
	ADDQ R8, AX
	ADDQ R9, AX
	MOVQ AX, ret+48(FP)
	RET
