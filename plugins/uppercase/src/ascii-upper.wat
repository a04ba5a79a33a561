;; ASCII uppercase with WebAssembly SIMD, 64 bytes per step.
;;
;; The caller copies a message into `memory` at offset 0 and calls `upper(len)`: every byte in
;; `a`–`z` (0x61–0x7a) becomes `A`–`Z` (minus 0x20), in place; every other byte stays as it is.
;; The result is non-zero when some byte is 0x80 or above (not ASCII): the caller then ignores
;; what the kernel wrote and takes its UTF-8 path.
;;
;; Per 16 bytes: byte + 0x1f (wrapping) maps a-z, and only a-z, onto 0x80-0x99, which as signed
;; bytes are -128..-103: below -102. That signed compare is one SSE instruction (pcmpgtb), where
;; an unsigned one takes several (measured: ~24 → ~30 GB/s). It gives 0xff in those lanes, and
;; 0xff & 0x20 is what they lose. Uppercasing twice equals uppercasing once, so
;; the last 16 bytes are done as one block that may overlap the one before, not byte by byte.
;; The step is written out four times rather than called: Bun's engine (JavaScriptCore) did not
;; inline a helper function, which made the kernel 3-5x slower (bench/uppercase-kernel.ts).
;;
;; Build: `bun run build:wasm` in plugins/uppercase (wabt's wat2wasm, scripts/build-wasm.ts).
(module
  ;; 1 page, 64 KiB: the caller copies in at most 16 KiB at a time (BLOCK in src/kernel.ts).
  (memory (export "memory") 1)

  (func (export "upper") (param $len i32) (result i32)
    (local $at i32)
    (local $bytes v128)
    ;; The OR of every byte read: its lanes' top bits say whether any byte was >= 0x80.
    (local $seen v128)
    (local $shift v128)
    (local $below v128)
    (local $case v128)
    (local.set $shift (v128.const i8x16 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f 0x1f))
    (local.set $below (v128.const i8x16 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102 -102))
    (local.set $case (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
    (if (i32.lt_u (local.get $len) (i32.const 16))
      (then (return (call $upperShort (local.get $len)))))

    ;; 64 bytes per step while 64 remain.
    (block $done64
      (loop $step64
        (br_if $done64 (i32.gt_u (i32.add (local.get $at) (i32.const 64)) (local.get $len)))
        (local.set $bytes (v128.load offset=0 (local.get $at)))
        (local.set $seen (v128.or (local.get $seen) (local.get $bytes)))
        (v128.store offset=0 (local.get $at)
          (i8x16.sub (local.get $bytes) (v128.and (local.get $case)
            (i8x16.lt_s (i8x16.add (local.get $bytes) (local.get $shift)) (local.get $below)))))
        (local.set $bytes (v128.load offset=16 (local.get $at)))
        (local.set $seen (v128.or (local.get $seen) (local.get $bytes)))
        (v128.store offset=16 (local.get $at)
          (i8x16.sub (local.get $bytes) (v128.and (local.get $case)
            (i8x16.lt_s (i8x16.add (local.get $bytes) (local.get $shift)) (local.get $below)))))
        (local.set $bytes (v128.load offset=32 (local.get $at)))
        (local.set $seen (v128.or (local.get $seen) (local.get $bytes)))
        (v128.store offset=32 (local.get $at)
          (i8x16.sub (local.get $bytes) (v128.and (local.get $case)
            (i8x16.lt_s (i8x16.add (local.get $bytes) (local.get $shift)) (local.get $below)))))
        (local.set $bytes (v128.load offset=48 (local.get $at)))
        (local.set $seen (v128.or (local.get $seen) (local.get $bytes)))
        (v128.store offset=48 (local.get $at)
          (i8x16.sub (local.get $bytes) (v128.and (local.get $case)
            (i8x16.lt_s (i8x16.add (local.get $bytes) (local.get $shift)) (local.get $below)))))
        (local.set $at (i32.add (local.get $at) (i32.const 64)))
        (br $step64)))

    ;; Then 16 bytes per step while 16 remain.
    (block $done16
      (loop $step16
        (br_if $done16 (i32.gt_u (i32.add (local.get $at) (i32.const 16)) (local.get $len)))
        (local.set $bytes (v128.load (local.get $at)))
        (local.set $seen (v128.or (local.get $seen) (local.get $bytes)))
        (v128.store (local.get $at)
          (i8x16.sub (local.get $bytes) (v128.and (local.get $case)
            (i8x16.lt_s (i8x16.add (local.get $bytes) (local.get $shift)) (local.get $below)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $step16)))

    ;; The last 1-15 bytes, if any: the 16 bytes that end the message (len >= 16 here).
    (if (i32.lt_u (local.get $at) (local.get $len))
      (then
        (local.set $at (i32.sub (local.get $len) (i32.const 16)))
        (local.set $bytes (v128.load (local.get $at)))
        (local.set $seen (v128.or (local.get $seen) (local.get $bytes)))
        (v128.store (local.get $at)
          (i8x16.sub (local.get $bytes) (v128.and (local.get $case)
            (i8x16.lt_s (i8x16.add (local.get $bytes) (local.get $shift)) (local.get $below)))))))

    ;; One bit per lane, set where the lane's top bit is.
    (i8x16.bitmask (local.get $seen)))

  ;; Fewer than 16 bytes: one at a time.
  (func $upperShort (param $len i32) (result i32)
    (local $at i32)
    (local $byte i32)
    (local $seen i32)
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $at) (local.get $len)))
        (local.set $byte (i32.load8_u (local.get $at)))
        (local.set $seen (i32.or (local.get $seen) (local.get $byte)))
        (if (i32.lt_u (i32.sub (local.get $byte) (i32.const 0x61)) (i32.const 26))
          (then (i32.store8 (local.get $at) (i32.sub (local.get $byte) (i32.const 0x20)))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $step)))
    (i32.and (local.get $seen) (i32.const 0x80))))
